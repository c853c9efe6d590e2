"""Every periodic task is safe to run again: after a crash the same message runs twice.

The settings acknowledge a task only once it has finished, so a worker that dies mid-task
leaves it to run again from the start, maybe beside a copy that is still running.
"""

import os
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage

from tests.factories import TaskFactory
from wenming.core.tasks import housekeeping
from wenming.framework import services
from wenming.framework.models import LedgerEntry, Task, TaskEvent
from wenming.framework.tasks import create_due_entries

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 2027-01-03 in Shanghai: the monthly tasks below have entries due for Nov, Dec and Jan.
NEW_YEAR = datetime(2027, 1, 3, 9, 0, tzinfo=SHANGHAI)


def _monthly_tasks(count: int) -> list[Task]:
    return [
        TaskFactory(
            title=f"每月报送{number}",
            frequency=Task.Frequency.MONTHLY,
            first_period_start=date(2026, 11, 1),
            deadline=None,
            due_days=10,
        )
        for number in range(count)
    ]


def _periods(task: Task) -> list[date]:
    return list(task.entries.order_by("period_start").values_list("period_start", flat=True))


@pytest.mark.django_db
def test_create_due_entries_run_again_creates_nothing_more():
    tasks = _monthly_tasks(2)
    with time_machine.travel(NEW_YEAR):
        assert create_due_entries.apply().get() == 6
        assert create_due_entries.apply().get() == 0
    for task in tasks:
        assert _periods(task) == [date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1)]
    assert TaskEvent.objects.filter(action=TaskEvent.Action.ASSIGN).count() == 6


@pytest.mark.django_db(transaction=True)
def test_create_due_entries_cut_short_is_finished_by_the_next_run(monkeypatch):
    first, second, third = _monthly_tasks(3)
    real_ensure_entries = services.ensure_entries

    def die_at_the_second_task(task, **kwargs):
        if task == second:
            raise SystemExit("worker killed")
        return real_ensure_entries(task, **kwargs)

    monkeypatch.setattr(services, "ensure_entries", die_at_the_second_task)
    with time_machine.travel(NEW_YEAR), pytest.raises(SystemExit):
        create_due_entries.apply(throw=True)
    # The first task's periods were committed on their own; nothing of the others.
    assert LedgerEntry.objects.count() == 3
    assert _periods(second) == []

    monkeypatch.setattr(services, "ensure_entries", real_ensure_entries)
    with time_machine.travel(NEW_YEAR):
        assert create_due_entries.apply().get() == 6
    expected = [date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1)]
    assert [_periods(task) for task in (first, second, third)] == [expected] * 3
    assert TaskEvent.objects.filter(action=TaskEvent.Action.ASSIGN).count() == 9


@pytest.mark.django_db
def test_create_due_entries_keeps_an_entry_another_run_created_meanwhile(monkeypatch):
    (task,) = _monthly_tasks(1)
    real_periods_between = services.periods_between

    def another_run_creates_december_first(*args, **kwargs):
        # The other run commits between this run's look at the existing periods and its
        # inserts: the constraint and get_or_create make this run skip that period.
        LedgerEntry.objects.create(
            task=task,
            period_start=date(2026, 12, 1),
            period_end=date(2026, 12, 31),
            deadline=date(2027, 1, 10),
        )
        return real_periods_between(*args, **kwargs)

    monkeypatch.setattr(services, "periods_between", another_run_creates_december_first)
    with time_machine.travel(NEW_YEAR):
        assert create_due_entries.apply().get() == 2
    assert _periods(task) == [date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1)]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return tmp_path / "media"


def _upload(media, name: str, age: timedelta) -> None:
    default_storage.save(f"imports/{name}", ContentFile(b"workbook"))
    moment = (datetime.now() - age).timestamp()
    os.utime(media / "imports" / name, (moment, moment))


@pytest.mark.django_db
def test_housekeeping_run_again_deletes_nothing_more(media):
    _upload(media, "abandoned.xlsx", timedelta(days=2))
    _upload(media, "awaiting.xlsx", timedelta(hours=1))
    assert housekeeping.apply().get() == {"login_failures": 0, "sessions": 0, "import_uploads": 1}
    assert housekeeping.apply().get() == {"login_failures": 0, "sessions": 0, "import_uploads": 0}
    assert sorted(path.name for path in (media / "imports").iterdir()) == ["awaiting.xlsx"]


@pytest.mark.django_db
def test_housekeeping_skips_an_upload_a_concurrent_run_removed(media, monkeypatch):
    _upload(media, "first.xlsx", timedelta(days=2))
    _upload(media, "second.xlsx", timedelta(days=2))
    real_modified_time = FileSystemStorage.get_modified_time

    def other_run_got_there_first(storage, name):
        if name == "imports/first.xlsx":
            os.remove(media / name)
        return real_modified_time(storage, name)

    monkeypatch.setattr(FileSystemStorage, "get_modified_time", other_run_got_there_first)
    assert housekeeping.apply().get() == {"login_failures": 0, "sessions": 0, "import_uploads": 1}
    assert list((media / "imports").iterdir()) == []
