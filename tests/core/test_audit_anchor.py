"""Checkpoints outside the database: truncation, a rewritten head and forged checkpoints."""

import json
import os
import stat

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from wenming.core import audit, audit_anchor
from wenming.core.context import acting_as
from wenming.core.models import AuditEntry
from wenming.core.tasks import verify_audit_chain


@pytest.fixture
def anchor_file(settings, tmp_path):
    path = tmp_path / "anchor" / "audit-anchor.jsonl"
    settings.AUDIT_ANCHOR_PATH = str(path)
    settings.AUDIT_ANCHOR_KEY = "anchor-key-for-tests"
    return path


def _write(count):
    with acting_as(None, origin="test"):
        return [
            audit.record("import", object_type="test.thing", object_repr=f"第{n}批")
            for n in range(count)
        ]


def _sql(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _lines(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_verification_appends_a_signed_checkpoint_readable_only_by_the_platform(
    db, anchor_file, capsys
):
    entries = _write(3)
    call_command("verify_audit_chain")
    out = capsys.readouterr().out
    assert "审计链完整，共 3 条记录" in out
    assert f"checkpoint written to {anchor_file}" in out
    (line,) = _lines(anchor_file)
    assert (line["count"], line["head_id"], line["head_hash"]) == (
        3,
        entries[2].pk,
        entries[2].hash,
    )
    assert len(line["mac"]) == 64
    assert stat.S_IMODE(os.stat(anchor_file).st_mode) == 0o600
    # Later entries extend the chain; the next run checks the old head and anchors the new.
    more = _write(2)
    call_command("verify_audit_chain")
    assert [(c["count"], c["head_id"]) for c in _lines(anchor_file)] == [
        (3, entries[2].pk),
        (5, more[1].pk),
    ]


def test_deleting_the_newest_entries_is_reported_as_truncation(db, anchor_file):
    entries = _write(4)
    call_command("verify_audit_chain")
    _sql("DELETE FROM core_auditentry WHERE id >= %s", [entries[2].pk])
    # The chain alone still looks whole: this is what the checkpoint is for.
    assert audit.verify_chain().is_intact
    with pytest.raises(CommandError) as error:
        call_command("verify_audit_chain")
    assert f"audit chain truncated: entries up to checkpointed entry {entries[3].pk}" in str(
        error.value
    )
    assert "now 2 entries" in str(error.value)
    assert "审计链被截断" in str(error.value)
    # A failed check anchors nothing: the good checkpoint stays the newest.
    assert len(_lines(anchor_file)) == 1


def test_truncation_followed_by_new_entries_is_still_reported(db, anchor_file):
    entries = _write(3)
    verify_audit_chain.delay().get()
    _sql("DELETE FROM core_auditentry WHERE id = %s", [entries[2].pk])
    _write(2)  # the log goes on as if nothing happened
    assert verify_audit_chain.delay().get() == {
        "checked": 4,
        "broken_entry_id": entries[2].pk,
        "reason": "truncated",
    }


def test_editing_the_newest_entry_and_rehashing_it_is_reported(db, anchor_file):
    entries = _write(2)
    call_command("verify_audit_chain")
    newest = AuditEntry.objects.get(pk=entries[1].pk)
    newest.object_repr = "另一批"
    forged = audit.entry_digest(newest)
    _sql(
        "UPDATE core_auditentry SET object_repr = %s, hash = %s WHERE id = %s",
        ["另一批", forged, newest.pk],
    )
    assert audit.verify_chain().is_intact
    with pytest.raises(CommandError, match=f"audit chain rewritten: entry {newest.pk}"):
        call_command("verify_audit_chain")


def test_restoring_an_older_backup_is_reported(db, anchor_file):
    # A backup taken after the first entry, restored after the third was checkpointed.
    entries = _write(3)
    call_command("verify_audit_chain")
    _sql("DELETE FROM core_auditentry WHERE id > %s", [entries[0].pk])
    report, written = audit_anchor.verify()
    assert (report.reason, report.broken_entry_id, report.checked, written) == (
        "truncated",
        entries[2].pk,
        1,
        None,
    )


@pytest.mark.parametrize(
    "forge",
    [
        lambda line: {**line, "count": 1},
        lambda line: {**line, "mac": "0" * 64},
        lambda line: {key: value for key, value in line.items() if key != "mac"},
        lambda line: "not json",
    ],
)
def test_a_forged_or_damaged_checkpoint_is_reported(db, anchor_file, forge):
    _write(2)
    call_command("verify_audit_chain")
    (line,) = _lines(anchor_file)
    forged = forge(line)
    with anchor_file.open("a") as handle:
        handle.write((forged if isinstance(forged, str) else json.dumps(forged)) + "\n")
    with pytest.raises(CommandError, match="the newest audit checkpoint is forged or damaged"):
        call_command("verify_audit_chain")


def test_a_checkpoint_signed_with_another_key_does_not_verify(db, anchor_file, settings):
    _write(1)
    call_command("verify_audit_chain")
    settings.AUDIT_ANCHOR_KEY = "someone-elses-key"
    assert audit_anchor.verify()[0].reason == "checkpoint_forged"


def test_without_a_separate_key_the_secret_key_signs(db, anchor_file, settings):
    settings.AUDIT_ANCHOR_KEY = ""
    _write(1)
    call_command("verify_audit_chain")
    assert audit_anchor.latest_checkpoint().count == 1
    settings.SECRET_KEY = "a-different-secret-key-for-this-test-only-0123456789"
    assert audit_anchor.verify()[0].reason == "checkpoint_forged"


def test_reanchoring_after_an_accepted_restore_is_itself_audited(db, anchor_file, capsys):
    entries = _write(3)
    call_command("verify_audit_chain")
    _sql("DELETE FROM core_auditentry WHERE id = %s", [entries[2].pk])
    call_command("verify_audit_chain", "--reanchor")
    assert "Audit chain anchored again: 3 entries" in capsys.readouterr().out
    entry = AuditEntry.objects.order_by("-id").first()
    assert (entry.event, entry.params) == (
        "audit_reanchored",
        {"count": 3, "head_id": entries[2].pk},
    )
    assert audit.describe(entry) == "审计日志重新锚定；此前的检查点含 3 条记录"
    call_command("verify_audit_chain")
    assert _lines(anchor_file)[-1]["count"] == 3


def test_reanchor_does_nothing_special_when_the_chain_holds(db, anchor_file, capsys):
    _write(1)
    call_command("verify_audit_chain", "--reanchor")
    assert "审计链完整，共 1 条记录" in capsys.readouterr().out
    assert not AuditEntry.objects.filter(event="audit_reanchored").exists()


def test_a_broken_link_is_reported_before_the_checkpoint(db, anchor_file):
    entries = _write(3)
    call_command("verify_audit_chain")
    _sql("UPDATE core_auditentry SET object_repr = %s WHERE id = %s", ["x", entries[1].pk])
    with pytest.raises(CommandError, match=f"audit chain broken at entry {entries[1].pk}"):
        call_command("verify_audit_chain")


def test_the_first_run_and_an_empty_log_anchor_cleanly(db, anchor_file):
    assert audit_anchor.latest_checkpoint() is None
    report, written = audit_anchor.verify()
    assert (report.is_intact, written.count, written.head_id) == (True, 0, None)
    assert written.head_hash == audit.GENESIS_HASH
    _write(1)
    assert audit_anchor.verify()[0].is_intact


def test_without_an_anchor_path_nothing_is_written(db, settings, capsys, tmp_path):
    settings.AUDIT_ANCHOR_PATH = ""
    _write(1)
    call_command("verify_audit_chain")
    assert "no checkpoint file configured" in capsys.readouterr().out
    assert list(tmp_path.iterdir()) == []
