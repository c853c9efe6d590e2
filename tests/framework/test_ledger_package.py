"""The ledger package: its default period, streamed and background builds, scope, retention."""

import hashlib
import io
import tempfile
import tracemalloc
import zipfile
from datetime import date, timedelta
from pathlib import Path

import kombu.pools
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from tests.conftest import client_for
from tests.core.processes import wait_for
from tests.core.test_celery_redis import redis_worker  # noqa: F401 (a fixture)
from tests.factories import ledger_entry
from tests.framework.conftest import START
from wenming.core.models import AuditEntry
from wenming.framework import exports, services
from wenming.framework import tasks as background
from wenming.framework.models import EvidenceFile, LedgerEntry, LedgerPackage
from wenming.regions.models import Membership

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXPORT = "/staff/ledger/export/"
MiB = 1024 * 1024


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def tasks(people, active):
    return services.assign_indicators(
        people.city_admin,
        framework=active,
        indicators=active.indicators.filter(level=3).order_by("position"),
        frequency="once",
        first_period_start=START,
        deadline=date(2026, 12, 15),
    )


@pytest.fixture
def entry(tasks):
    return LedgerEntry.objects.get(task__unit__code="DH-ZJ", task__indicator__code="Ⅲ-2")


def submit(people, entry, name="制度.pdf", content=PDF):
    return services.submit_evidence(
        people.east_unit_staff, entry, files=[SimpleUploadedFile(name, content)]
    )


def query(unit, start="2026-01-01", end="2026-12-31"):
    return f"{EXPORT}?unit={unit.pk}&start={start}&end={end}"


def zip_of(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def index_rows(archive, name="索引.xlsx"):
    sheet = load_workbook(io.BytesIO(archive.read(name))).active
    return list(sheet.iter_rows(min_row=2, values_only=True))


# The default period and the range's errors ---------------------------------------------


def test_the_export_page_offers_the_whole_current_year(people, entry):
    response = client_for(people.east_staff).get(EXPORT)
    assert response.status_code == 200
    form = response.context["form"]
    assert (form["start"].value(), form["end"].value()) == (date(2026, 1, 1), date(2026, 12, 31))
    assert [unit.code for unit in response.context["units"]] == ["DH-ZJ"]
    task_list = client_for(people.east_staff).get("/staff/tasks/")
    export_form = task_list.context["export_form"]
    assert (export_form["start"].value(), export_form["end"].value()) == (
        date(2026, 1, 1),
        date(2026, 12, 31),
    )


def test_an_entry_approved_today_is_packed_whatever_its_deadline(people, active, city):
    # Its period is this month, its deadline next year: the old default (deadlines up to
    # today) left it out.
    task = services.create_task(
        people.east_staff,
        framework=active,
        unit=city.east_unit,
        title="十一月台账",
        frequency="once",
        first_period_start=date(2026, 11, 1),
        deadline=date(2027, 1, 10),
    )
    entry = task.entries.get()
    submission = submit(people, entry, "十一月.pdf")
    services.review(people.east_staff, submission, outcome="passed")
    response = client_for(people.east_staff).get(query(city.east_unit))
    assert response.status_code == 200
    archive = zip_of(response)
    assert archive.namelist() == ["其他任务/十一月.pdf", "索引.xlsx"]
    assert [(row[2], row[4], row[5]) for row in index_rows(archive)] == [
        ("十一月台账", "2027-01-10", "已通过")
    ]


def test_entries_are_chosen_by_period_not_deadline(people, entry, city):
    submit(people, entry)
    # The entry runs from 1 November to 15 December.
    inside = zip_of(
        client_for(people.east_staff).get(query(city.east_unit, "2026-12-10", "2026-12-31"))
    )
    assert "Ⅲ-2 公共场所秩序/制度.pdf" in inside.namelist()
    after = zip_of(
        client_for(people.east_staff).get(query(city.east_unit, "2026-12-16", "2026-12-31"))
    )
    assert after.namelist() == ["索引.xlsx"]
    assert index_rows(after) == []


def test_an_end_before_the_start_is_a_field_error_in_chinese(people, entry, city):
    response = client_for(people.east_staff).get(query(city.east_unit, "2026-12-01", "2026-11-01"))
    assert response.status_code == 400
    assert response.context["form"].errors == {"end": ["结束日期早于开始日期。"]}
    assert '<div class="invalid-feedback d-block" id="error-end">结束日期早于开始日期。</div>' in (
        response.content.decode()
    )
    assert LedgerPackage.objects.count() == 0


def test_an_end_before_the_start_reads_in_english_too(people, entry, city):
    client = client_for(people.east_staff)
    client.cookies["django_language"] = "en"
    response = client.get(query(city.east_unit, "2026-12-01", "2026-11-01"))
    assert response.status_code == 400
    assert response.context["form"].errors == {"end": ["The end is before the start."]}


def test_a_malformed_date_and_a_foreign_unit(people, entry, city):
    client = client_for(people.east_staff)
    response = client.get(query(city.east_unit, "2026-13-01"))
    assert response.status_code == 400
    assert response.context["form"].errors == {"start": ["输入一个有效的日期。"]}
    assert client.get(query(city.west_unit)).status_code == 404
    assert (
        client.post(
            EXPORT, {"unit": city.west_unit.pk, "start": "2026-01-01", "end": "2026-12-31"}
        ).status_code
        == 404
    )


def test_a_streamed_package_is_audited(people, entry, city):
    submit(people, entry)
    response = client_for(people.east_staff).get(query(city.east_unit))
    assert response.streaming
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="ledger-DH-ZJ-20260101-20261231.zip"'
    )
    audit_entry = AuditEntry.objects.get(event="ledger_exported")
    assert (audit_entry.actor, audit_entry.object_repr, audit_entry.params) == (
        people.east_staff,
        str(city.east_unit),
        {"start": "2026-01-01", "end": "2026-12-31", "files": 1},
    )


# Background packages ---------------------------------------------------------------


@pytest.fixture
def big(settings):
    """Every package with evidence counts as big."""
    settings.LEDGER_ZIP_STREAM_MAX_BYTES = 0


def test_a_big_package_is_offered_as_a_background_build_and_built(
    people, entry, city, big, django_capture_on_commit_callbacks
):
    submit(people, entry, "制度.pdf")
    client = client_for(people.east_staff)
    offer = client.get(query(city.east_unit))
    assert offer.status_code == 200
    assert not offer.streaming
    assert offer.context["plan"].files_total == 1
    assert 'method="post"' in offer.content.decode()
    assert LedgerPackage.objects.count() == 0  # a GET changes nothing

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            EXPORT, {"unit": city.east_unit.pk, "start": "2026-01-01", "end": "2026-12-31"}
        )
    assert len(callbacks) == 1
    package = LedgerPackage.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/staff/ledger/packages/{package.uuid}/"
    # Tasks run in the process here, so it is built by the time the page is asked for.
    assert (package.status, package.files_done, package.files_total, package.requested_by) == (
        LedgerPackage.Status.READY,
        1,
        1,
        people.east_staff,
    )
    assert package.file.name == f"exports/ledger/{package.uuid.hex}.zip"
    page = client.get(response["Location"])
    assert 'id="package-download"' in page.content.decode()
    assert "hx-trigger" not in page.content.decode()

    download = client.get(f"/staff/ledger/packages/{package.uuid}/download/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    assert "ledger-DH-ZJ-20260101-20261231.zip" in download["Content-Disposition"]
    archive = zip_of(download)
    assert archive.testzip() is None
    assert archive.namelist() == ["Ⅲ-2 公共场所秩序/制度.pdf", "索引.xlsx"]
    assert archive.read("Ⅲ-2 公共场所秩序/制度.pdf") == PDF
    assert [row[10] for row in index_rows(archive)] == [None, "Ⅲ-2 公共场所秩序/制度.pdf"]
    events = list(
        AuditEntry.objects.filter(object_type="framework.ledgerpackage")
        .order_by("id")
        .values_list("event", "actor")
    )
    assert events == [
        ("ledger_package_requested", people.east_staff.pk),
        ("ledger_package_downloaded", people.east_staff.pk),
    ]


def test_a_pending_package_polls_and_shows_its_progress(people, entry, city):
    package = LedgerPackage.objects.create(
        requested_by=people.east_staff,
        unit=city.east_unit,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        status=LedgerPackage.Status.RUNNING,
        files_total=8,
        files_done=2,
    )
    client = client_for(people.east_staff)
    part = client.get(f"/staff/ledger/packages/{package.uuid}/", headers={"HX-Request": "true"})
    html = part.content.decode()
    assert html.startswith('<div id="package-status" hx-get="/staff/ledger/packages/')
    assert 'hx-trigger="every 2s"' in html
    assert "已打包 2 / 8 个文件" in html
    assert 'style="width: 25%"' in html
    assert "<html" not in html
    # Not ready: nothing to download yet.
    assert client.get(f"/staff/ledger/packages/{package.uuid}/download/").status_code == 404


def test_asking_again_while_a_build_is_pending_starts_no_second_one(
    people, entry, city, big, django_capture_on_commit_callbacks
):
    submit(people, entry)
    pending = LedgerPackage.objects.create(
        requested_by=people.east_staff,
        unit=city.east_unit,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for(people.east_staff).post(
            EXPORT, {"unit": city.east_unit.pk, "start": "2026-01-01", "end": "2026-12-31"}
        )
    assert callbacks == []
    assert response["Location"] == f"/staff/ledger/packages/{pending.uuid}/"
    assert LedgerPackage.objects.count() == 1
    pending.refresh_from_db()
    assert pending.status == LedgerPackage.Status.QUEUED  # no task was started for it


def built_package(people, entry, city) -> LedgerPackage:
    submit(people, entry)
    plan = exports.plan_package(
        exports.entries_in_period(
            people.east_staff,
            city.east_unit,
            period_start=date(2026, 1, 1),
            period_end=date(2026, 12, 31),
        )
    )
    package, _is_new = exports.request_package(
        people.east_staff,
        city.east_unit,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        plan=plan,
    )
    assert exports.build_package(package.pk) == "ready"
    package.refresh_from_db()
    return package


def test_a_package_is_only_its_requesters(people, entry, city):
    package = built_package(people, entry, city)
    page = f"/staff/ledger/packages/{package.uuid}/"
    # Another district, and even the city office that sees every entry: not theirs.
    for person in (people.west_staff, people.city_admin, people.east_unit_staff):
        assert client_for(person).get(page).status_code == 404
        assert client_for(person).get(page + "download/").status_code == 404
    assert client_for(people.resident).get(page + "download/").status_code == 403
    anonymous = client_for(people.east_staff)
    anonymous.logout()
    assert anonymous.get(page + "download/").status_code == 302
    assert not AuditEntry.objects.filter(event="ledger_package_downloaded").exists()


def test_a_requester_who_no_longer_sees_every_entry_cannot_download(people, entry, city):
    package = built_package(people, entry, city)
    # Moved to the other district: still staff, no longer over the east unit's entries.
    Membership.objects.filter(user=people.east_staff).update(region=city.west)
    response = client_for(people.east_staff).get(f"/staff/ledger/packages/{package.uuid}/download/")
    assert response.status_code == 404
    assert exports.may_download(people.west_staff, package) is False


def test_building_again_is_safe(people, entry, city):
    package = built_package(people, entry, city)
    assert exports.build_package(package.pk) == "skipped"
    # A worker that died mid-build leaves the package running and maybe a partial file.
    LedgerPackage.objects.filter(pk=package.pk).update(status=LedgerPackage.Status.RUNNING)
    with default_storage.open(package.file.name, "wb") as partial:
        partial.write(b"PK\x03\x04 cut short")
    assert exports.build_package(package.pk) == "ready"
    package.refresh_from_db()
    assert default_storage.listdir("exports/ledger")[1] == [f"{package.uuid.hex}.zip"]
    with package.file.open("rb") as handle:
        assert zipfile.ZipFile(handle).testzip() is None
    assert exports.build_package(10**9) == "skipped"


def test_a_build_that_cannot_read_its_evidence_fails_and_says_so(people, entry, city):
    submit(people, entry)
    evidence = EvidenceFile.objects.get()
    default_storage.delete(evidence.file.name)
    plan = exports.plan_package(
        exports.entries_in_period(
            people.east_staff,
            city.east_unit,
            period_start=date(2026, 1, 1),
            period_end=date(2026, 12, 31),
        )
    )
    package, _is_new = exports.request_package(
        people.east_staff,
        city.east_unit,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        plan=plan,
    )
    assert exports.build_package(package.pk) == "failed"
    package.refresh_from_db()
    assert (package.status, package.error.split(":")[0], package.file.name) == (
        LedgerPackage.Status.FAILED,
        "FileNotFoundError",
        "",
    )
    page = client_for(people.east_staff).get(f"/staff/ledger/packages/{package.uuid}/")
    assert "台账包未能生成。" in page.content.decode()


def test_packages_are_removed_after_their_retention_time(people, entry, city, settings):
    settings.LEDGER_PACKAGE_RETENTION_HOURS = 72
    package = built_package(people, entry, city)
    name = package.file.name
    assert exports.remove_expired_packages(now=package.finished_at + timedelta(hours=71)) == 0
    assert default_storage.exists(name)
    later = package.finished_at + timedelta(hours=73)
    assert exports.remove_expired_packages(now=later) == 1
    package.refresh_from_db()
    assert (package.status, package.file.name, default_storage.exists(name)) == (
        LedgerPackage.Status.EXPIRED,
        "",
        False,
    )
    removal = AuditEntry.objects.get(event="ledger_package_removed")
    assert (removal.actor, removal.object_id) == (None, str(package.pk))
    assert exports.remove_expired_packages(now=later) == 0
    page = client_for(people.east_staff).get(f"/staff/ledger/packages/{package.uuid}/")
    assert "hx-trigger" not in page.content.decode()
    page = client_for(people.east_staff).get(f"/staff/ledger/packages/{package.uuid}/")
    assert "已超过保留期限被删除" in page.content.decode()
    assert (
        client_for(people.east_staff)
        .get(f"/staff/ledger/packages/{package.uuid}/download/")
        .status_code
        == 404
    )


def test_the_tasks_build_and_clean_up(people, entry, city):
    submit(people, entry)
    package = LedgerPackage.objects.create(
        requested_by=people.east_staff,
        unit=city.east_unit,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        entry_ids=[entry.pk],
    )
    assert background.build_ledger_package.delay(package.pk).get() == "ready"
    assert background.build_ledger_package.delay(package.pk).get() == "skipped"
    assert background.remove_expired_ledger_packages.delay().get() == 0


# Bounded memory ------------------------------------------------------------------


@pytest.fixture
def big_ledger(people, city, media):
    """About 200 MiB of evidence over 20 entries: 100 files of 2 MiB, half already compressed.

    Written as sparse files straight into storage (no upload check), so it takes no time.
    """
    entries = []
    for number in range(20):
        entries.append(
            ledger_entry(
                city.east_unit,
                status=LedgerEntry.Status.SUBMITTED,
                first_period_start=date(2026, 3, 1),
                deadline=date(2026, 3, 31),
                title=f"台账{number}",
            )
        )
    folder = Path(media) / "evidence" / "big"
    folder.mkdir(parents=True)
    rows = []
    for number in range(100):
        kind = "jpg" if number % 2 else "pdf"
        path = folder / f"{number}.{kind}"
        with open(path, "wb") as handle:
            handle.truncate(2 * MiB)
        rows.append(
            EvidenceFile(
                submission=entries[number % 20].submissions.get(),
                file=f"evidence/big/{number}.{kind}",
                original_name=f"材料{number}.{kind}",
                kind=kind,
                size=2 * MiB,
                sha256=hashlib.sha256(b"\0" * 2 * MiB).hexdigest(),
            )
        )
    EvidenceFile.objects.bulk_create(rows)
    return entries


def plan_of(people, city):
    return exports.plan_package(
        exports.entries_in_period(
            people.east_staff,
            city.east_unit,
            period_start=date(2026, 1, 1),
            period_end=date(2026, 12, 31),
        )
    )


def check_big_zip(handle):
    archive = zipfile.ZipFile(handle)
    assert archive.testzip() is None
    names = archive.namelist()
    assert len(names) == 101
    assert names[-1] == "索引.xlsx"
    assert sum(info.file_size for info in archive.infolist()[:-1]) == 200 * MiB
    stored = {
        info.filename.rsplit(".", 1)[1]: info.compress_type for info in archive.infolist()[:-1]
    }
    assert stored == {"pdf": zipfile.ZIP_DEFLATED, "jpg": zipfile.ZIP_STORED}
    index = load_workbook(io.BytesIO(archive.read("索引.xlsx"))).active
    assert index.max_row == 101


@pytest.mark.slow
def test_a_200_mib_package_is_built_in_bounded_memory(people, city, big_ledger):
    plan = plan_of(people, city)
    assert (plan.files_total, plan.bytes_total) == (100, 200 * MiB)
    with tempfile.TemporaryFile() as target:
        tracemalloc.start()
        try:
            for _done in exports.write_ledger_zip(target, plan):
                pass
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 10 * MiB, f"peak {peak / MiB:.1f} MiB"
        target.seek(0)
        check_big_zip(target)


@pytest.mark.slow
def test_a_200_mib_package_is_streamed_in_bounded_memory(people, city, big_ledger):
    plan = plan_of(people, city)
    with tempfile.TemporaryFile() as target:
        tracemalloc.start()
        try:
            largest = 0
            for chunk in exports.stream_ledger_zip(plan):
                largest = max(largest, len(chunk))
                target.write(chunk)
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 10 * MiB, f"peak {peak / MiB:.1f} MiB"
        assert largest <= 2 * MiB
        target.seek(0)
        check_big_zip(target)


def test_a_build_gone_silent_is_given_up_instead_of_polled_for_ever(people, entry, city, settings):
    settings.CELERY_TASK_TIME_LIMIT, settings.CELERY_VISIBILITY_TIMEOUT = 900, 1200
    running = LedgerPackage.objects.create(
        requested_by=people.east_staff,
        unit=city.east_unit,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        status=LedgerPackage.Status.RUNNING,
    )
    now = timezone.now()
    LedgerPackage.objects.filter(pk=running.pk).update(updated_at=now - timedelta(minutes=34))
    assert exports.remove_expired_packages(now=now) == 0
    running.refresh_from_db()
    assert running.status == LedgerPackage.Status.RUNNING
    LedgerPackage.objects.filter(pk=running.pk).update(updated_at=now - timedelta(minutes=36))
    assert exports.remove_expired_packages(now=now) == 0
    running.refresh_from_db()
    assert (running.status, running.finished_at) == (LedgerPackage.Status.FAILED, now)
    page = client_for(people.east_staff).get(running.get_absolute_url())
    assert (
        '<p class="text-danger mb-0" id="package-failed">台账包未能生成。' in page.content.decode()
    )
    # A worker that picks it up late leaves it alone; it is removed like any other.
    assert exports.build_package(running.pk) == "skipped"
    assert exports.remove_expired_packages(now=now + timedelta(hours=73)) == 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("redis_worker")
def test_a_worker_on_redis_builds_the_package_after_the_request_commits(people, entry, city, big):
    # kombu keeps producer pools per connection in a global group; one closed by an earlier
    # test's worker teardown would be handed out again.
    kombu.pools.reset()
    submit(people, entry)
    client = client_for(people.east_staff)
    response = client.post(
        EXPORT, {"unit": city.east_unit.pk, "start": "2026-01-01", "end": "2026-12-31"}
    )
    package = LedgerPackage.objects.get()
    assert response["Location"] == package.get_absolute_url()
    wait_for(
        lambda: LedgerPackage.objects.get(pk=package.pk).status == LedgerPackage.Status.READY,
        timeout=30,
        what="the worker to build the package",
    )
    archive = zip_of(client.get(f"/staff/ledger/packages/{package.uuid}/download/"))
    assert archive.namelist() == ["Ⅲ-2 公共场所秩序/制度.pdf", "索引.xlsx"]
