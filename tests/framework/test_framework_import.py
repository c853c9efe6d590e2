"""Framework workbook import: the tree, re-import by code, errors by row and column."""

from decimal import Decimal

import pytest

from tests.conftest import client_for
from tests.framework.conftest import (
    IND_1,
    ITEM_1,
    content_row,
    small_rows,
    workbook_bytes,
)
from wenming.core.models import AuditEntry
from wenming.framework import services
from wenming.framework.exporters import export_rows, framework_workbook
from wenming.framework.importers import FrameworkImporter
from wenming.framework.models import Framework, Indicator


def tree(framework):
    return list(
        Indicator.objects.filter(framework=framework)
        .order_by("position")
        .values_list("code", "level", "parent__code", "points")
    )


def test_import_creates_the_tree(people, draft):
    plan = FrameworkImporter(people.city_admin, draft).apply(workbook_bytes(small_rows()))
    assert (len(plan.creates), len(plan.updates), len(plan.deletes), plan.errors) == (9, 0, 0, [])
    assert tree(draft) == [
        ("Ⅰ-1", 1, None, Decimal("5.00")),
        ("Ⅱ-1", 2, "Ⅰ-1", Decimal("3.00")),
        ("Ⅲ-1", 3, "Ⅱ-1", Decimal("2.00")),
        ("Ⅲ-2", 3, "Ⅱ-1", Decimal("1.00")),
        ("Ⅱ-2", 2, "Ⅰ-1", Decimal("2.00")),
        ("Ⅲ-3", 3, "Ⅱ-2", Decimal("2.00")),
        ("Ⅰ-2", 1, None, Decimal("2.00")),
        ("Ⅱ-3", 2, "Ⅰ-2", Decimal("2.00")),
        ("Ⅲ-4", 3, "Ⅱ-3", Decimal("2.00")),
    ]
    first = Indicator.objects.get(framework=draft, code="Ⅲ-1")
    assert first.methods == ["field_check"]
    assert (first.scoring_rule, first.rule_parameters) == (
        "deduction_per_finding",
        {"deduction": "0.20"},
    )
    assert first.site_type_names == ["主次干道", "背街小巷"]
    assert first.lead_unit.code == "CGJ"
    assert sorted(first.responsible_units.values_list("code", flat=True)) == ["DH-ZJ", "XS-ZJ"]
    veto = Indicator.objects.get(framework=draft, code="Ⅲ-4")
    assert (veto.veto_effect, veto.veto_value, veto.rule_parameters) == (
        "cap",
        Decimal("60.00"),
        {"target": "13.00"},
    )


def test_same_file_twice_and_export_round_trip_change_nothing(people, draft):
    FrameworkImporter(people.city_admin, draft).apply(workbook_bytes(small_rows()))
    again = FrameworkImporter(people.city_admin, draft).apply(workbook_bytes(small_rows()))
    assert (again.creates, again.updates, again.deletes, again.unchanged) == ([], [], [], 9)
    exported = FrameworkImporter(people.city_admin, draft).plan(workbook_bytes(export_rows(draft)))
    assert (exported.creates, exported.updates, exported.deletes, exported.errors) == (
        [],
        [],
        [],
        [],
    )


def test_changing_one_cell_changes_only_that_node(people, draft):
    FrameworkImporter(people.city_admin, draft).apply(workbook_bytes(small_rows()))
    rows = small_rows()
    rows[1][10] = 1.5  # Ⅲ-2's points
    audit_before = AuditEntry.objects.count()
    plan = FrameworkImporter(people.city_admin, draft).apply(workbook_bytes(rows))
    assert [(change.key, change.changed) for change in plan.updates] == [("Ⅲ-2", ["points"])]
    assert (len(plan.creates), len(plan.deletes), plan.unchanged) == (0, 0, 8)
    assert Indicator.objects.get(framework=draft, code="Ⅲ-2").points == Decimal("1.50")
    # One update entry and one import entry.
    assert AuditEntry.objects.count() == audit_before + 2
    assert plan.warnings == ["Ⅱ-1 的分值为 3.00，但其下级合计为 3.50。"]


def test_rows_missing_from_the_file_are_removed(people, draft):
    FrameworkImporter(people.city_admin, draft).apply(workbook_bytes(small_rows()))
    plan = FrameworkImporter(people.city_admin, draft).apply(workbook_bytes(small_rows()[:3]))
    assert sorted(change.key for change in plan.deletes) == ["Ⅰ-2", "Ⅱ-3", "Ⅲ-4"]
    assert [code for code, *_rest in tree(draft)] == ["Ⅰ-1", "Ⅱ-1", "Ⅲ-1", "Ⅲ-2", "Ⅱ-2", "Ⅲ-3"]


def test_parents_in_merged_cells_full_width_and_text_numbers(people, draft):
    rows = small_rows()[:2]
    rows[1][:6] = [None] * 6  # the parent cells sit under a merge
    rows[1][10] = "１"  # full-width digit stored as text
    rows[0][6] = " Ⅲ-1 "  # stray spaces
    plan = FrameworkImporter(people.city_admin, draft).apply(
        workbook_bytes(rows, merges=["A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:E3", "F2:F3"])
    )
    assert plan.errors == []
    assert [code for code, *_rest in tree(draft)] == ["Ⅰ-1", "Ⅱ-1", "Ⅲ-1", "Ⅲ-2"]
    assert Indicator.objects.get(framework=draft, code="Ⅲ-2").points == Decimal("1.00")


def errors_of(plan):
    return [(error.row, error.column, error.message) for error in plan.errors]


def test_every_error_is_listed_and_nothing_is_written(people, draft):
    rows = [
        content_row(ITEM_1, IND_1, "Ⅲ-1", "", "两分"),  # 2: name, points
        content_row(ITEM_1, IND_1, "Ⅲ-2", "秩序", 1, methods="上门走访"),  # 3: method
        content_row(ITEM_1, IND_1, "Ⅲ-3", "秩序", 1, rule="拍脑袋"),  # 4: rule
        content_row(
            ITEM_1, IND_1, "Ⅲ-4", "秩序", 1, rule="按问题扣分", parameters="扣两分"
        ),  # 5: params
        content_row(ITEM_1, IND_1, "Ⅲ-5", "秩序", 1, lead="NOPE"),  # 6: unit
        content_row(ITEM_1, IND_1, "Ⅲ-6", "秩序", 1, veto="封顶"),  # 7: veto
        content_row(ITEM_1, ("Ⅱ-1", "另一个名字", 3), "Ⅲ-7", "秩序", 1),  # 8: name
        content_row(ITEM_1, IND_1, "Ⅲ-2", "重复", 1),  # 9: dup
        content_row(("Ⅱ-1", "层级错", 1), ("Ⅱ-9", "x", 1), "Ⅲ-8", "x", 1),  # 10: level
    ]
    plan = FrameworkImporter(people.city_admin, draft).apply(workbook_bytes(rows))
    assert errors_of(plan) == [
        (2, "H", "名称为空。"),
        (2, "K", "“两分”不是有效的分值。"),
        (
            3,
            "J",
            "未知测评方法“上门走访”：请使用实地考察、材料审核、问卷调查、网上申报、数据采集。",
        ),
        (
            4,
            "L",
            "未知评分规则“拍脑袋”：请使用合格点位比例、按问题扣分、等级评定、数据对标、问卷比率。",
        ),
        (5, "M", "“扣两分”不是“键=值”的形式。"),
        (6, "N", "未知单位“NOPE”。"),
        (7, "R", "扣分或封顶须填写否决值。"),
        (8, "E", "Ⅱ-1 的名称与第 2 行不同。"),
        (9, "G", "编码 Ⅲ-2 已在第 3 行出现。"),
        (10, "A", "编码 Ⅱ-1 同时用于两个层级。"),
    ]
    assert Indicator.objects.filter(framework=draft).count() == 0
    assert not AuditEntry.objects.filter(action="import").exists()


def test_active_framework_is_not_changed_by_import(people, active):
    plan = FrameworkImporter(people.city_admin, active).apply(workbook_bytes(small_rows()[:1]))
    assert [error.message for error in plan.errors] == [
        "只有草稿状态的测评体系可以修改；请先复制为新的草稿版本。"
    ]
    assert Indicator.objects.filter(framework=active).count() == 9


def test_copy_makes_a_draft_version_with_the_same_tree(people, active):
    copy = services.copy_framework(people.city_admin, active)
    assert (copy.status, copy.version, copy.copied_from) == ("draft", 2, active)
    assert tree(copy) == tree(active)
    node = Indicator.objects.get(framework=copy, code="Ⅲ-1")
    assert sorted(node.responsible_units.values_list("code", flat=True)) == ["DH-ZJ", "XS-ZJ"]
    services.activate_framework(people.city_admin, copy)
    active.refresh_from_db()
    assert active.status == Framework.Status.ARCHIVED
    assert Framework.objects.filter(region=active.region, status="active").get() == copy


@pytest.mark.parametrize("persona", ["east_staff", "leader", "east_unit_staff"])
def test_only_the_city_office_keeps_the_framework(people, draft, persona):
    client = client_for(getattr(people, persona))
    assert client.get(f"/staff/frameworks/{draft.pk}/").status_code == 200
    assert client.get(f"/staff/frameworks/{draft.pk}/import/").status_code == 404
    assert client.post(f"/staff/frameworks/{draft.pk}/activate/").status_code == 403
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_import_page_previews_then_confirms(people, draft):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(people.city_admin)
    upload = SimpleUploadedFile("体系.xlsx", workbook_bytes(small_rows()))
    preview = client.post(f"/staff/frameworks/{draft.pk}/import/", {"file": upload})
    assert len(preview.context["plan"].creates) == 9
    assert Indicator.objects.filter(framework=draft).count() == 0
    done = client.post(
        f"/staff/frameworks/{draft.pk}/import/", {"confirm": "1", "token": preview.context["token"]}
    )
    assert done.status_code == 302
    assert Indicator.objects.filter(framework=draft).count() == 9


def test_text_that_looks_like_a_formula_survives_the_round_trip(people, draft):
    rows = small_rows()
    rows[0][8] = "-每处扣0.2分；=SUM(A1) 不得执行"
    FrameworkImporter(people.city_admin, draft).apply(workbook_bytes(rows))
    assert Indicator.objects.get(framework=draft, code="Ⅲ-1").standard == rows[0][8]
    exported = framework_workbook(export_rows(draft))
    plan = FrameworkImporter(people.city_admin, draft).plan(exported)
    assert (plan.errors, plan.creates, plan.updates, plan.deletes) == ([], [], [], [])


def test_activating_a_new_version_stops_the_old_versions_recurring_tasks(people, active, city):
    from datetime import date

    task = services.create_task(
        people.city_admin,
        framework=active,
        unit=city.east_unit,
        title="每月",
        frequency="monthly",
        first_period_start=date(2026, 11, 1),
        today=date(2026, 11, 2),
    )
    copy = services.copy_framework(people.city_admin, active)
    assert copy.is_sample is False
    services.activate_framework(people.city_admin, copy)
    task.refresh_from_db()
    assert task.is_active is False
    assert services.create_due_entries(today=date(2027, 3, 1)) == 0
    assert task.entries.count() == 1


def test_line_breaks_stay_in_prose_and_fold_in_names(people, draft):
    rows = small_rows()[:1]
    rows[0][7] = "交通秩序\n良好"
    rows[0][8] = "第一条：机动车礼让行人。\n第二条：非机动车有序停放。"
    rows[0][14] = "DH-ZJ\nXS-ZJ"
    plan = FrameworkImporter(people.city_admin, draft).apply(workbook_bytes(rows))
    assert plan.errors == []
    node = Indicator.objects.get(framework=draft, code="Ⅲ-1")
    assert node.name == "交通秩序 良好"
    assert node.standard == "第一条：机动车礼让行人。\n第二条：非机动车有序停放。"
    assert sorted(node.responsible_units.values_list("code", flat=True)) == ["DH-ZJ", "XS-ZJ"]


def test_a_refusal_on_apply_writes_nothing_and_says_why(people, draft, monkeypatch):
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    real_save = services.save_indicator
    calls = []

    def save_indicator(user, framework, code, values, **kwargs):
        calls.append(code)
        if len(calls) == 3:
            raise ValidationError("数据库拒绝了这一行。")
        return real_save(user, framework, code, values, **kwargs)

    monkeypatch.setattr(services, "save_indicator", save_indicator)
    client = client_for(people.city_admin)
    url = f"/staff/frameworks/{draft.pk}/import/"
    preview = client.post(
        url, {"file": SimpleUploadedFile("体系.xlsx", workbook_bytes(small_rows()))}
    )
    assert "测评体系" in preview.content.decode()  # the framework is named above the title
    response = client.post(url, {"confirm": "1", "token": preview.context["token"]}, follow=True)
    assert len(calls) == 3
    assert response.redirect_chain == [(url, 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "未导入任何数据：数据库拒绝了这一行。"
    ]
    assert Indicator.objects.filter(framework=draft).count() == 0
    assert not AuditEntry.objects.filter(action="import").exists()


def test_a_stashed_framework_file_cannot_be_applied_to_another_framework(people, draft):
    from django.core.files.uploadedfile import SimpleUploadedFile

    other = services.create_framework(
        people.city_admin, region=draft.region, name="另一个体系", edition_year=2027
    )
    client = client_for(people.city_admin)
    upload = SimpleUploadedFile("体系.xlsx", workbook_bytes(small_rows()))
    token = client.post(f"/staff/frameworks/{draft.pk}/import/", {"file": upload}).context["token"]
    response = client.post(
        f"/staff/frameworks/{other.pk}/import/", {"confirm": "1", "token": token}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == ["本次导入已过期，请重新上传文件。"]
    assert Indicator.objects.filter(framework__in=[draft, other]).count() == 0
