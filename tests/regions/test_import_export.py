"""Excel import and export of regions and units: preview, all-or-nothing, round trip."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from tests.conftest import client_for
from tests.factories import workbook
from wenming.core.models import AuditEntry
from wenming.regions.importers import (
    UNIT_COLUMNS,
    RegionImporter,
    UnitImporter,
    export_regions,
    export_units,
)
from wenming.regions.models import Region, Unit

REGION_HEADER = ["区划代码", "名称", "层级", "上级代码", "中心经度", "中心纬度"]
UNIT_HEADER = [
    "单位编码",
    "单位名称",
    "简称",
    "单位类型",
    "所属区划代码",
    "上级单位编码",
    "联系人",
    "联系手机",
    "办公电话",
    "电子邮箱",
    "地址",
]


def snapshot_regions():
    return list(Region.objects.order_by("code").values_list("code", "name", "level", "path"))


def errors_of(plan):
    return [(error.row, error.column, error.message) for error in plan.errors]


def test_region_export_then_import_changes_nothing(people, city):
    data = export_regions(Region.objects.all())
    plan = RegionImporter(people.city_admin).apply(data)
    assert (len(plan.creates), len(plan.updates), plan.unchanged, plan.errors) == (0, 0, 6, [])
    assert not AuditEntry.objects.filter(action="import").exists()


def test_import_creates_children_listed_before_their_parents(people, city):
    before = Region.objects.count()
    data = workbook(
        REGION_HEADER,
        [
            ["990101009001", "新村社区", "社区", "990101009000", "", ""],
            ["990101009000", "新村街道", "街道", "990101000000", 113.5, "22.25"],
            ["990101009001001", "新村第一网格", "网格", "990101009001", None, None],
        ],
    )
    plan = RegionImporter(people.east_staff).apply(data, filename="新村.xlsx")
    assert errors_of(plan) == []
    assert Region.objects.count() == before + 3
    grid = Region.objects.get(code="990101009001001")
    assert grid.path == "/990100000000/990101000000/990101009000/990101009001/990101009001001/"
    assert grid.depth == 5
    street = Region.objects.get(code="990101009000")
    assert (str(street.center_longitude), str(street.center_latitude)) == (
        "113.500000",
        "22.250000",
    )
    entry = AuditEntry.objects.get(action="import")
    assert entry.object_repr == "新村.xlsx"
    assert entry.actor_id == people.east_staff.pk
    assert AuditEntry.objects.filter(action="create", object_type="regions.region").count() == 3


def test_changing_one_cell_changes_only_that_region(people, city):
    data = export_regions(Region.objects.all())
    sheet_book = load_workbook(io.BytesIO(data))
    sheet = sheet_book.active
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "990102001000":
            row[1].value = "西门新街道"
    buffer = io.BytesIO()
    sheet_book.save(buffer)
    plan = RegionImporter(people.city_admin).apply(buffer.getvalue())
    assert [(change.key, change.changed) for change in plan.updates] == [("990102001000", ["name"])]
    assert (len(plan.creates), plan.unchanged) == (0, 5)
    assert Region.objects.get(code="990102001000").name == "西门新街道"
    again = RegionImporter(people.city_admin).apply(buffer.getvalue())
    assert (len(again.creates), len(again.updates), again.unchanged) == (0, 0, 6)


def test_real_spreadsheet_quirks_are_read(people, city):
    # Parent written once over merged cells, full-width digits, spaces, blank rows,
    # codes stored as numbers.
    data = workbook(
        REGION_HEADER,
        [
            ["９９０１０１００１００５", " 甲 社区 ", "社区", "990101001000", "", ""],
            [990101001006, "乙社区", " 社区", None, "", ""],
            [None, None, None, None, None, None],
            ["990101001007", "丙社区", "社区（村）", None, "", ""],
        ],
        merges=["D2:D5"],
    )
    plan = RegionImporter(people.east_staff).apply(data)
    assert errors_of(plan) == []
    created = dict(Region.objects.filter(parent=city.east_street).values_list("code", "name"))
    assert created == {
        "990101001001": "东门社区",
        "990101001005": "甲 社区",
        "990101001006": "乙社区",
        "990101001007": "丙社区",
    }


def test_every_error_is_listed_by_row_and_column_and_nothing_is_written(people, city):
    before = snapshot_regions()
    audit_before = AuditEntry.objects.count()
    data = workbook(
        REGION_HEADER,
        [
            ["9901-01", "坏代码", "街道", "990101000000", "", ""],  # 2: code
            ["990101002000", "", "街道", "990101000000", "", ""],  # 3: name
            ["990101003000", "好街道", "省", "990101000000", "", ""],  # 4: level
            ["990101004000", "孤儿街道", "街道", "990199000000", "", ""],  # 5: parent
            ["990102001009", "越权社区", "社区", "990102001000", "", ""],  # 6: scope
            ["990101006000", "倒挂街道", "区", "990101000000", "", ""],  # 7: level order
            ["990101007000", "坐标街道", "街道", "990101000000", "200", "x"],  # 8: coordinates
            ["990101008000", "重复街道", "街道", "990101000000", "", ""],  # 9
            ["990101008000", "重复街道", "街道", "990101000000", "", ""],  # 10: duplicate
            ["990101010000", "环甲", "街道", "990101011000", "", ""],  # 11: cycle
            ["990101011000", "环乙", "街道", "990101010000", "", ""],  # 12: cycle
            ["990102000000", "改西山区", "区", "990100000000", "", ""],  # 13: change scope
            ["990101012000", "好街道", "街道", "990101000000", "", ""],  # valid, not written
        ],
    )
    plan = RegionImporter(people.east_staff).apply(data)
    assert errors_of(plan) == [
        (2, "A", "编码为6至20位数字。"),
        (3, "B", "名称为空。"),
        (4, "C", "未知层级“省”：请填写市、区县、街道、社区或网格。"),
        (5, "D", "上级编码 990199000000 不是已有区域。"),
        (6, "D", "您无权在 990102001000 下新增区域。"),
        (7, "C", "区县不能隶属于区县。"),
        (8, "E", "“200”不是 -180 至 180 之间的坐标值。"),
        (8, "F", "“x”不是 -90 至 90 之间的坐标值。"),
        (10, "A", "编码 990101008000 已在第 9 行出现。"),
        (11, "D", "上下级关系形成循环。"),
        (12, "D", "上下级关系形成循环。"),
        (13, "D", "您无权在 990100000000 下新增区域。"),
    ]
    assert snapshot_regions() == before
    assert AuditEntry.objects.count() == audit_before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"MZ\x90\x00 not a workbook", "该文件不是Excel工作簿（.xlsx）。"),
        (workbook(["名称", "层级"], [["x", "市"]]), "缺少列：区划代码"),
        (workbook(REGION_HEADER, []), "工作表中没有数据行。"),
    ],
)
def test_unreadable_files_give_one_clear_error(people, city, data, message):
    plan = RegionImporter(people.city_admin).apply(data)
    assert [error.message for error in plan.errors] == [message]


def test_moving_a_region_moves_its_subtree(people, city):
    data = workbook(REGION_HEADER, [["990101001000", "东门街道", "街道", "990102000000", "", ""]])
    plan = RegionImporter(people.city_admin).apply(data)
    assert [change.changed for change in plan.updates] == [["parent_code"]]
    community = Region.objects.get(code="990101001001")
    assert community.path == "/990100000000/990102000000/990101001000/990101001001/"
    assert community.depth == 4


def test_unit_round_trip_keeps_masked_mobiles(people, city):
    data = export_units(Unit.objects.restrict(people.east_staff), people.east_staff)
    sheet = load_workbook(io.BytesIO(data)).active
    assert [row[7] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        city.east_unit.contact_mobile[:3] + "****" + city.east_unit.contact_mobile[-4:],
        city.east_sub_unit.contact_mobile[:3] + "****" + city.east_sub_unit.contact_mobile[-4:],
    ]
    plan = UnitImporter(people.east_staff).apply(data)
    assert (len(plan.creates), len(plan.updates), plan.unchanged, plan.errors) == (0, 0, 2, [])
    assert Unit.objects.get(pk=city.east_unit.pk).contact_mobile == city.east_unit.contact_mobile


def test_unit_import_creates_and_checks(people, city):
    data = workbook(
        UNIT_HEADER,
        [
            [
                "DH-JY",
                "东湖区教育局",
                "区教育局",
                "政府部门",
                "990101000000",
                "",
                "陈静",
                "13700001111",
                "0755-1234567",
                "jy@example.cn",
                "东湖路1号",
            ],
            ["DH-JY-1", "东湖一小", "", "学校", "990101001000", "DH-JY", "", "", "", "", ""],
            ["XS-JY", "西山区教育局", "", "政府部门", "990102000000", "", "", "", "", "", ""],
            ["DH-X", "坏单位", "", "外星机构", "990101000000", "NOPE", "", "12345", "", "bad@", ""],
        ],
    )
    plan = UnitImporter(people.east_staff).apply(data)
    assert errors_of(plan) == [
        (4, "E", "您无权在区域 990102000000 新增单位。"),
        (5, "D", "未知单位类型“外星机构”。"),
        (5, "H", "“12345”不是11位手机号。"),
        (5, "J", "“bad@”不是有效的电子邮箱地址。"),
    ]
    assert not Unit.objects.filter(code__in=["DH-JY", "DH-JY-1"]).exists()
    valid = workbook(
        UNIT_HEADER,
        [
            ["DH-JY-1", "东湖一小", "", "学校", "990101001000", "DH-JY", "", "", "", "", ""],
            [
                "DH-JY",
                "东湖区教育局",
                "区教育局",
                "government",
                "990101000000",
                "",
                "陈静",
                "13700001111",
                "0755-1234567",
                "jy@example.cn",
                "东湖路1号",
            ],
        ],
    )
    plan = UnitImporter(people.east_staff).apply(valid)
    assert errors_of(plan) == []
    school = Unit.objects.get(code="DH-JY-1")
    assert (school.type, school.parent.code, school.path) == ("school", "DH-JY", "/DH-JY/DH-JY-1/")


def test_import_pages_preview_then_confirm(people, city):
    client = client_for(people.east_staff)
    data = workbook(REGION_HEADER, [["990101002000", "南门街道", "街道", "990101000000", "", ""]])
    upload = SimpleUploadedFile("regions.xlsx", data)
    preview = client.post("/staff/import/regions/", {"file": upload})
    assert preview.status_code == 200
    assert not Region.objects.filter(code="990101002000").exists()
    plan = preview.context["plan"]
    assert [change.key for change in plan.creates] == ["990101002000"]
    token = preview.context["token"]
    assert (
        client.post("/staff/import/regions/", {"confirm": "1", "token": "forged"}).status_code
        == 302
    )
    assert not Region.objects.filter(code="990101002000").exists()
    # The forged token ended nothing: the real one still works.
    done = client.post("/staff/import/regions/", {"confirm": "1", "token": token})
    assert done.status_code == 302
    assert Region.objects.get(code="990101002000").parent == city.east


def test_import_page_refuses_a_renamed_executable(people):
    client = client_for(people.east_staff)
    upload = SimpleUploadedFile("regions.xlsx", b"MZ\x90\x00\x03" + b"\x00" * 100)
    response = client.post("/staff/import/regions/", {"file": upload})
    assert response.status_code == 200
    assert "该文件不是Excel工作簿（.xlsx）。" in response.content.decode()
    assert response.context["plan"] is None


@pytest.mark.parametrize("persona", ["leader", "inspector", "east_unit_staff"])
def test_read_only_roles_cannot_import(people, persona):
    client = client_for(getattr(people, persona))
    assert client.get("/staff/import/regions/").status_code == 403
    assert client.get("/staff/import/units/").status_code == 403


# Files shaped like real office workbooks ------------------------------------------------


def office_workbook(header, rows, *, title_rows=2, notes_first=True, pad_headers=True) -> bytes:
    """The same table as `workbook`, as an office sends it: a notes sheet first, title
    rows above the header with merged title cells, header titles padded with full-width
    spaces, numbers stored as text."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook()
    if notes_first:
        notes = book.active
        notes.title = "填表说明"
        notes.append(["填表说明"])
        notes.append(["1. 区划代码为12位统计用区划代码。"])
        sheet = book.create_sheet("数据")
    else:
        sheet = book.active
    last = get_column_letter(len(header))
    for number in range(1, title_rows + 1):
        sheet.append(["某市行政区划表" if number == 1 else "填报单位：东湖区创城办"])
        sheet.merge_cells(f"A{number}:{last}{number}")
    sheet.append(["　".join(title) if pad_headers else title for title in header])
    for row in rows:
        sheet.append([str(value) if isinstance(value, int | float) else value for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def planned(plan):
    return [(c.key, c.values, c.changed) for c in plan.creates + plan.updates], plan.unchanged


REGION_ROWS = [
    ["990101009000", "新村街道", "街道", "990101000000", 113.5, 22.25],
    ["990101009001", "新村社区", "社区", 990101009000, None, None],
]


def test_an_office_shaped_region_file_imports_like_the_clean_one(people, city):
    clean = RegionImporter(people.east_staff).plan(workbook(REGION_HEADER, REGION_ROWS))
    messy = RegionImporter(people.east_staff).plan(office_workbook(REGION_HEADER, REGION_ROWS))
    assert errors_of(messy) == []
    assert planned(messy) == planned(clean)
    assert (clean.sheet_name, clean.header_row) == ("Sheet", 1)
    assert (messy.sheet_name, messy.header_row) == ("数据", 3)
    assert [change.row for change in messy.creates] == [4, 5]


def test_errors_in_an_office_file_name_the_sheets_rows(people, city):
    rows = [["990101009000", "新村街道", "省", "990101000000", "", ""]]
    plan = RegionImporter(people.east_staff).plan(office_workbook(REGION_HEADER, rows))
    assert errors_of(plan) == [(4, "C", "未知层级“省”：请填写市、区县、街道、社区或网格。")]


def test_missing_columns_are_named_at_the_row_that_came_closest(people, city):
    data = office_workbook(["名称", "层级"], [["x", "市"]], notes_first=False)
    plan = RegionImporter(people.city_admin).plan(data)
    assert errors_of(plan) == [(3, "", "缺少列：区划代码")]


def test_line_breaks_in_a_name_fold_into_a_space(people, city):
    rows = [["990101009000", "新村\n街道 ", "街道", "990101000000", "", ""]]
    plan = RegionImporter(people.east_staff).apply(workbook(REGION_HEADER, rows))
    assert errors_of(plan) == []
    assert Region.objects.get(code="990101009000").name == "新村 街道"


def test_a_district_office_re_imports_its_own_export(people, city):
    # Rows that change nothing need no permission, so the district's own row (whose
    # parent, the city, the district office may not add beneath) is no error.
    data = export_regions(Region.objects.restrict(people.east_staff))
    plan = RegionImporter(people.east_staff).apply(data)
    assert (plan.errors, plan.creates, plan.updates, plan.unchanged) == ([], [], [], 3)
    assert plan.unchanged_labels[0] == "990101000000 东湖区"


def test_lengths_and_rules_come_from_the_model(people, city):
    rows = [
        ["990101009000", "长" * 101, "街道", "990101000000", "1.1234567", "-90.0000004"],
        ["990101009001", "好", "street", "990101000000", "113", "91"],
    ]
    plan = RegionImporter(people.east_staff).plan(workbook(REGION_HEADER, rows))
    assert errors_of(plan) == [
        (2, "B", "超过 100 个字符。"),
        (3, "F", "“91”不是 -90 至 90 之间的坐标值。"),
    ]


UNIT_ROW = ["DH-NEW", "新单位", "", "政府部门", "990101000000", "", "", "", "", "", ""]


def unit_row(**changes):
    """UNIT_ROW with some cells changed, by column key."""
    keys = [key for _title, key in UNIT_COLUMNS]
    row = list(UNIT_ROW)
    for key, value in changes.items():
        row[keys.index(key)] = value
    return row


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"contact_mobile": "137****1111"}, ("H", "脱敏手机号只能保留原值，不能用于新建。")),
        ({"contact_mobile": "12345678901"}, ("H", "“12345678901”不是11位手机号。")),
        ({"type": ""}, ("D", "未知单位类型“”。")),
        ({"region_code": "990199000000"}, ("E", "区域编码 990199000000 不是已有区域。")),
        ({"code": "DH NEW"}, ("A", "单位编码为2至32位字母、数字或连字符。")),
        ({"short_name": "简" * 41}, ("C", "超过 40 个字符。")),
        ({"parent_code": "DH-NEW"}, ("F", "单位不能以自身为上级。")),
    ],
)
def test_each_unit_cell_rule(people, city, changes, error):
    plan = UnitImporter(people.east_staff).apply(workbook(UNIT_HEADER, [unit_row(**changes)]))
    assert errors_of(plan) == [(2, *error)]
    assert not Unit.objects.filter(code="DH-NEW").exists()


def test_a_unit_is_moved_only_under_a_unit_the_user_may_change(people, city):
    from tests.factories import UnitFactory

    UnitFactory(code="DH-X", name="东湖区某局", region=city.east)
    row = ["DH-ZJ-1", "东湖区住建局一科", "", "政府部门", "990101000000", "DH-X"]
    data = workbook(UNIT_HEADER, [row + [""] * 5])
    # A leader sees the district's units but changes none of them.
    plan = UnitImporter(people.leader).plan(data)
    assert errors_of(plan) == [(2, "F", "您无权将单位设为 DH-X 的下级。")]
    plan = UnitImporter(people.east_staff).plan(data)
    assert errors_of(plan) == []
    assert [c.changed for c in plan.updates] == [["contact_name", "contact_mobile", "parent_code"]]


def test_units_by_english_type_words_and_values(people, city):
    rows = [
        unit_row(code="DH-A", type="School"),
        unit_row(code="DH-B", type="hospital"),
        unit_row(code="DH-C", type="社区居委会"),
    ]
    plan = UnitImporter(people.east_staff).apply(workbook(UNIT_HEADER, rows))
    assert errors_of(plan) == []
    assert dict(
        Unit.objects.filter(code__startswith="DH-")
        .exclude(code__startswith="DH-ZJ")
        .values_list("code", "type")
    ) == {
        "DH-A": "school",
        "DH-B": "hospital",
        "DH-C": "community",
    }


# The page -------------------------------------------------------------------------------


def preview(client, url, data, name="file.xlsx"):
    return client.post(url, {"file": SimpleUploadedFile(name, data)})


def test_the_confirm_button_comes_before_150_rows_and_unchanged_rows_fold(people, city):
    rows = [
        [f"990101{number:03d}000", f"新街道{number}", "街道", "990101000000", "", ""]
        for number in range(10, 160)
    ]
    rows.append(["990101001000", "东门街道", "街道", "990101000000", "", ""])
    client = client_for(people.east_staff)
    response = preview(client, "/staff/import/regions/", workbook(REGION_HEADER, rows))
    html = response.content.decode()
    assert response.status_code == 200
    assert len(response.context["plan"].creates) == 150
    first_button = html.index('name="confirm"')
    assert first_button < html.index("<tbody>")
    assert html.count('name="confirm"') == 2
    assert "已读取工作表“Sheet”，列标题在第 1 行。" in html
    assert "<details" in html and "1 行没有变更" in html
    assert "<li>990101001000 东门街道</li>" in html


def test_a_service_refusal_on_apply_writes_nothing_and_says_why(people, city, monkeypatch):
    from django.core.exceptions import PermissionDenied, ValidationError

    rows = [
        ["990101009000", "新村街道", "街道", "990101000000", "", ""],
        ["990101009001", "新村社区", "社区", "990101009000", "", ""],
    ]
    client = client_for(people.east_staff)
    real_create = RegionImporter.create
    for error, shown in (
        (PermissionDenied("您无权在此新增。"), "未导入任何数据：您无权在此新增。"),
        (ValidationError("路径过长。"), "未导入任何数据：路径过长。"),
        (PermissionDenied(), "未导入任何数据：您无权做出这些变更。"),
    ):
        calls = []

        def create(user, _error=error, _calls=calls, **fields):
            # The first row is written, the second refused: the first must roll back.
            _calls.append(fields["code"])
            if len(_calls) == 2:
                raise _error
            return real_create(user, **fields)

        monkeypatch.setattr(RegionImporter, "create", staticmethod(create))
        token = preview(client, "/staff/import/regions/", workbook(REGION_HEADER, rows)).context[
            "token"
        ]
        response = client.post(
            "/staff/import/regions/", {"confirm": "1", "token": token}, follow=True
        )
        assert calls == ["990101009000", "990101009001"]
        assert response.redirect_chain == [("/staff/import/regions/", 302)]
        assert [str(m) for m in response.context["messages"]] == [shown]
        assert not Region.objects.filter(code__startswith="99010100900").exists()
        assert not AuditEntry.objects.filter(action="import").exists()


def test_an_expired_or_foreign_token_is_refused_with_a_message(people, city):
    client = client_for(people.east_staff)
    data = workbook(REGION_HEADER, [["990101009000", "新村街道", "街道", "990101000000", "", ""]])
    token = preview(client, "/staff/import/regions/", data).context["token"]
    # The token belongs to the regions import; the units page does not take it.
    response = client.post("/staff/import/units/", {"confirm": "1", "token": token}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["本次导入已过期，请重新上传文件。"]
    assert response.redirect_chain == [("/staff/import/units/", 302)]
    assert not Region.objects.filter(code="990101009000").exists()


def test_a_success_message_counts_every_kind_of_change(people, city):
    client = client_for(people.east_staff)
    rows = [
        ["990101009000", "新村街道", "街道", "990101000000", "", ""],
        ["990101001000", "东门街道", "街道", "990101000000", "", ""],
    ]
    token = preview(client, "/staff/import/regions/", workbook(REGION_HEADER, rows)).context[
        "token"
    ]
    response = client.post("/staff/import/regions/", {"confirm": "1", "token": token}, follow=True)
    assert response.redirect_chain == [("/staff/regions/", 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "导入完成：新增 1 条，修改 0 条，删除 0 条，未变 1 条。"
    ]


def test_unknown_import_kinds_are_not_found(people):
    client = client_for(people.city_admin)
    assert client.get("/staff/import/framework/").status_code == 404
    assert client.get("/staff/import/people/").status_code == 404
