"""The ledger package (台账包): a unit's evidence for a period as a zip, built in bounded memory.

One writer serves both ways out. A small package is streamed straight into the response
(`stream_ledger_zip`); a big one is a `LedgerPackage` built by a Celery task into a
temporary file, saved to storage with progress, handed out to its requester and removed
after `LEDGER_PACKAGE_RETENTION_HOURS` (decisions/0012). Either way evidence is copied in
chunks of `CHUNK_BYTES` and the index workbook is spooled to disk, so memory does not grow
with the size of the ledger.
"""

import logging
import os
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, F, OuterRef, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core import audit
from wenming.core.excel import WorkbookWriter
from wenming.framework.models import EvidenceFile, LedgerEntry, LedgerPackage, Submission

logger = logging.getLogger(__name__)

CHUNK_BYTES = 1024 * 1024
ZIP_NAME_MAX = 120
# Already compressed: deflating them again costs time and saves nothing.
STORED_KINDS = {"jpg", "png", "docx", "xlsx"}
# How often a running build writes its progress to the database.
PROGRESS_INTERVAL_SECONDS = 1.0
# Ids checked per query when a download is checked against the packed entries, under
# SQLite's limit on bound variables.
ID_BATCH = 900

INDEX_WIDTHS = [12, 30, 30, 22, 12, 10, 8, 12, 18, 30, 50, 12, 66, 30, 40]


def index_headers() -> list[str]:
    """The index workbook's column titles, in the reader's language."""
    return [
        _("Indicator code"),
        _("Indicator"),
        _("Task"),
        _("Period"),
        _("Deadline"),
        _("Status"),
        _("Version"),
        _("Submitted by"),
        _("Submitted at"),
        _("File"),
        _("Path in this package"),
        _("Size (bytes)"),
        _("SHA-256"),
        _("Note"),
        _("Links"),
    ]


def entries_in_period(user, unit, *, period_start, period_end):
    """The unit's entries the user sees whose period overlaps the range.

    By period rather than deadline: an entry for December that is due on 10 January
    belongs to December's ledger, and one approved today is in this year's package
    whatever its deadline.
    """
    return LedgerEntry.objects.restrict(user).filter(
        task__unit=unit, period_start__lte=period_end, period_end__gte=period_start
    )


def _entry_order(prefix: str = "") -> list:
    return [F(f"{prefix}task__indicator__position").asc(nulls_last=True), f"{prefix}id"]


def _latest_submission(entry_lookup: str) -> Subquery:
    return Subquery(
        Submission.objects.filter(entry=OuterRef(entry_lookup))
        .order_by("-version")
        .values("pk")[:1]
    )


@dataclass
class LedgerPlan:
    """What a package will hold: its entries in folder order, and its files' count and size."""

    entries: object  # a LedgerEntry queryset
    files_total: int
    bytes_total: int
    entry_ids: list[int] = field(default_factory=list)

    @property
    def files(self):
        """The evidence of each entry's latest submission, in the entries' order."""
        return (
            EvidenceFile.objects.filter(
                submission__entry__in=self.entries.values("pk"),
                submission=_latest_submission("submission__entry"),
            )
            .select_related("submission")
            .order_by(*_entry_order("submission__entry__"), "id")
        )


def plan_package(entries) -> LedgerPlan:
    """Count a package's files and bytes in SQL, before anything is read from storage."""
    entries = entries.order_by(*_entry_order())
    plan = LedgerPlan(entries=entries, files_total=0, bytes_total=0)
    totals = plan.files.order_by().aggregate(count=Count("id"), size=Sum("size"))
    plan.files_total = totals["count"] or 0
    plan.bytes_total = totals["size"] or 0
    plan.entry_ids = list(entries.values_list("pk", flat=True))
    return plan


def is_small(plan: LedgerPlan) -> bool:
    """Whether the package is streamed in the request rather than built in the background."""
    return plan.bytes_total <= settings.LEDGER_ZIP_STREAM_MAX_BYTES


def _zip_part(text: str) -> str:
    """A folder or file name safe inside a zip on Windows and Linux."""
    cleaned = "".join("_" if ch in '<>:"/\\|?*' or ord(ch) < 32 else ch for ch in text)
    return cleaned.strip(" .")[:ZIP_NAME_MAX] or "_"


def _zip_info(name: str, moment, compress_type: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=timezone.localtime(moment).timetuple()[:6])
    info.compress_type = compress_type
    info.external_attr = 0o640 << 16
    return info


def _copy(source, target) -> Iterator[None]:
    """Copy a file object into another chunk by chunk, pausing after each chunk."""
    while chunk := source.read(CHUNK_BYTES):
        target.write(chunk)
        yield


def _index_row(entry, submission, evidence, path):
    indicator = entry.task.indicator
    return [
        indicator.code if indicator else "",
        indicator.name if indicator else "",
        entry.task.title,
        f"{entry.period_start:%Y-%m-%d}—{entry.period_end:%Y-%m-%d}",
        f"{entry.deadline:%Y-%m-%d}",
        str(entry.get_status_display()),
        submission.version if submission else "",
        str(submission.submitted_by) if submission else "",
        timezone.localtime(submission.created_at).strftime("%Y-%m-%d %H:%M") if submission else "",
        evidence.original_name if evidence else "",
        path,
        evidence.size if evidence else "",
        evidence.sha256 if evidence else "",
        submission.note if submission else "",
        "\n".join(submission.links) if submission else "",
    ]


def write_ledger_zip(target, plan: LedgerPlan) -> Iterator[int]:
    """Write the package into `target` (any writable file object), yielding files done.

    It yields after every chunk, so a caller can pass the bytes on (streaming) or record
    progress (a background build). A folder per indicator (`<code> <name>`, 其他任务 for
    tasks without one) holds each entry's latest submission's files under their original
    names, numbered when repeated; the index workbook lists every packed file and one row
    per entry without evidence.
    """
    entries = plan.entries.select_related("task", "task__indicator")
    latest = {
        submission.entry_id: submission
        for submission in Submission.objects.filter(
            entry__in=plan.entries.values("pk"), pk=_latest_submission("entry")
        ).select_related("submitted_by")
    }
    files = plan.files.iterator(chunk_size=500)
    pending = next(files, None)
    index = WorkbookWriter(_("Ledger index"), index_headers(), INDEX_WIDTHS)
    used_names: set[str] = set()
    done = 0
    try:
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            for entry in entries.iterator(chunk_size=500):
                indicator = entry.task.indicator
                folder = _zip_part(
                    f"{indicator.code} {indicator.name}" if indicator else _("Other tasks")
                )
                submission = latest.get(entry.pk)
                packed = 0
                while pending is not None and pending.submission.entry_id == entry.pk:
                    evidence, pending = pending, next(files, None)
                    # Packed under the extension of what the file is, as it is downloaded.
                    stem, extension = os.path.splitext(evidence.download_name)
                    stem = _zip_part(stem)
                    name = f"{folder}/{stem}{extension}"
                    counter = 2
                    while name in used_names:
                        name = f"{folder}/{stem}（{counter}）{extension}"
                        counter += 1
                    used_names.add(name)
                    is_compressed = evidence.kind in STORED_KINDS
                    method = zipfile.ZIP_STORED if is_compressed else zipfile.ZIP_DEFLATED
                    info = _zip_info(name, evidence.submission.created_at, method)
                    with evidence.file.open("rb") as source, archive.open(info, "w") as member:
                        yield from _copy(source, member)
                    index.append(_index_row(entry, submission, evidence, name))
                    packed += 1
                    done += 1
                    yield done
                if not packed:
                    index.append(_index_row(entry, submission, None, ""))
            with tempfile.TemporaryFile() as spool:
                index.save(spool)
                spool.seek(0)
                info = _zip_info(_("index") + ".xlsx", timezone.now(), zipfile.ZIP_DEFLATED)
                with archive.open(info, "w") as member:
                    yield from _copy(spool, member)
    except BaseException:
        # A failed build or a download cut short (GeneratorExit) leaves no spool behind.
        index.discard()
        raise
    yield done


class _Pipe:
    """A write-only file object whose bytes are taken out as they come: a zip's stream."""

    def __init__(self):
        self.chunks: list[bytes] = []

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


def stream_ledger_zip(plan: LedgerPlan) -> Iterator[bytes]:
    """The package as a sequence of byte chunks, for a streaming response.

    The zip is written to a pipe with no seek, so zipfile puts each member's sizes after
    its data; at most one chunk of evidence is held at a time.
    """
    pipe = _Pipe()
    for _step in write_ledger_zip(pipe, plan):
        if data := pipe.take():
            yield data
    if data := pipe.take():
        yield data


# Packages built in the background -------------------------------------------------


def package_snapshot(package: LedgerPackage) -> dict:
    """A package as its audit entries show it: which ledger, how big, where it is stored.

    The packed entry ids are left out (a year's ledger lists thousands); the unit and
    period say which they are.
    """
    return {
        "uuid": str(package.uuid),
        "requested_by": package.requested_by_id,
        "unit": package.unit_id,
        "period_start": package.period_start,
        "period_end": package.period_end,
        "status": package.status,
        "files_total": package.files_total,
        "bytes_total": package.bytes_total,
        "file": package.file.name or "",
        "size": package.size,
    }


def request_package(
    user, unit, *, period_start, period_end, plan: LedgerPlan
) -> tuple[LedgerPackage, bool]:
    """Queue a package for the user, or hand back the one already queued for the same ledger.

    Returns (package, whether it is new); the caller starts the build of a new one after
    the transaction commits. Asking twice while a build is under way starts no second one.
    """
    with transaction.atomic():
        pending = (
            LedgerPackage.objects.select_for_update()
            .filter(
                requested_by=user,
                unit=unit,
                period_start=period_start,
                period_end=period_end,
                status__in=[LedgerPackage.Status.QUEUED, LedgerPackage.Status.RUNNING],
            )
            .first()
        )
        if pending is not None:
            return pending, False
        package = LedgerPackage.objects.create(
            requested_by=user,
            unit=unit,
            period_start=period_start,
            period_end=period_end,
            entry_ids=plan.entry_ids,
            files_total=plan.files_total,
            bytes_total=plan.bytes_total,
        )
        audit.created(
            package, actor=user, event="ledger_package_requested", snapshot=package_snapshot
        )
    return package, True


def _claim(package_id: int) -> LedgerPackage | None:
    """Mark a queued package (or one whose worker died mid-build) running; None if done."""
    with transaction.atomic():
        package = (
            LedgerPackage.objects.select_for_update()
            .select_related("requested_by", "unit")
            .filter(pk=package_id)
            .first()
        )
        if package is None or not package.is_pending:
            return None
        package.status = LedgerPackage.Status.RUNNING
        package.files_done = 0
        package.save(update_fields=["status", "files_done", "updated_at"])
    return package


def build_package(package_id: int) -> str:
    """Build a queued package into storage, writing progress as files are packed.

    Re-run safe: a package already ready, failed or removed is left alone; one left
    running by a dead worker is built again from the start under the same storage name,
    so a redelivered task never leaves two files. The entries are the ones fixed when it
    was requested, read again through the requester's scope as it is now.
    """
    package = _claim(package_id)
    if package is None:
        return "skipped"
    entries = LedgerEntry.objects.restrict(package.requested_by).filter(pk__in=package.entry_ids)
    plan = plan_package(entries)
    progress = LedgerPackage.objects.filter(pk=package.pk)
    progress.update(files_total=plan.files_total, bytes_total=plan.bytes_total)
    name = package.file.field.generate_filename(package, "")
    try:
        with tempfile.TemporaryFile() as spool:
            last_write = time.monotonic()
            for done in write_ledger_zip(spool, plan):
                if time.monotonic() - last_write >= PROGRESS_INTERVAL_SECONDS:
                    # updated_at shows the build is alive (see `remove_expired_packages`).
                    progress.update(files_done=done, updated_at=timezone.now())
                    last_write = time.monotonic()
            size = spool.tell()
            spool.seek(0)
            # The name is the package's own: a stale file from a cut-short run goes first,
            # else storage would save beside it under another name.
            default_storage.delete(name)
            stored = default_storage.save(name, File(spool, name=name))
    except Exception as error:
        logger.exception("ledger package %s failed", package.uuid)
        # For operators (the log has the traceback); the page says it in the reader's words.
        progress.update(
            status=LedgerPackage.Status.FAILED,
            error=f"{type(error).__name__}: {error}"[:500],
            finished_at=timezone.now(),
        )
        return "failed"
    progress.update(
        status=LedgerPackage.Status.READY,
        file=stored,
        size=size,
        files_done=plan.files_total,
        finished_at=timezone.now(),
    )
    return "ready"


def may_download(user, package: LedgerPackage) -> bool:
    """Whether the user may still see every entry packed (roles may have ended since)."""
    wanted = set(package.entry_ids)
    visible = LedgerEntry.objects.restrict(user)
    ids = sorted(wanted)
    seen = 0
    for start in range(0, len(ids), ID_BATCH):
        seen += visible.filter(pk__in=ids[start : start + ID_BATCH]).count()
    return seen == len(wanted)


def record_download(user, package: LedgerPackage) -> None:
    """Audit one download of a package."""
    audit.change(
        package,
        actor=user,
        event="ledger_package_downloaded",
        snapshot=package_snapshot,
        always=True,
    ).record()


def record_streamed(user, unit, *, period_start, period_end, plan: LedgerPlan) -> None:
    """Audit a package streamed in the request: which ledger, which period, how much."""
    audit.change(
        unit,
        actor=user,
        event="ledger_exported",
        always=True,
        start=f"{period_start:%Y-%m-%d}",
        end=f"{period_end:%Y-%m-%d}",
        files=plan.files_total,
    ).record()


def retention() -> timedelta:
    """How long a built package is kept."""
    return timedelta(hours=settings.LEDGER_PACKAGE_RETENTION_HOURS)


def remove_expired_packages(now=None) -> int:
    """Give up builds gone silent; delete packages older than the retention time.

    The row stays (status removed), so its audit entries keep their object. Idempotent: a
    file already gone is skipped, and a removed package is not looked at again.
    """
    now = now or timezone.now()
    # A build not heard of for longer than a task may run plus the time Redis takes to
    # hand a dead worker's task to another will not finish (a task over the time limit
    # is not run again): say so on its page instead of polling for ever.
    silent_since = now - timedelta(
        seconds=settings.CELERY_TASK_TIME_LIMIT + settings.CELERY_VISIBILITY_TIMEOUT
    )
    abandoned = LedgerPackage.objects.filter(
        status__in=[LedgerPackage.Status.QUEUED, LedgerPackage.Status.RUNNING],
        updated_at__lt=silent_since,
    ).update(
        status=LedgerPackage.Status.FAILED,
        error="abandoned: no progress within the task time limit",
        finished_at=now,
        updated_at=now,
    )
    if abandoned:
        logger.warning("%s ledger packages abandoned without progress", abandoned)
    cutoff = now - retention()
    removed = 0
    stale = LedgerPackage.objects.filter(finished_at__lt=cutoff).exclude(
        status=LedgerPackage.Status.EXPIRED
    )
    for package in stale.iterator():
        with transaction.atomic():
            change = audit.change(
                package, actor=None, event="ledger_package_removed", snapshot=package_snapshot
            )
            if package.file:
                default_storage.delete(package.file.name)
            package.status = LedgerPackage.Status.EXPIRED
            package.file = ""
            package.save(update_fields=["status", "file", "updated_at"])
            change.record()
        removed += 1
    return removed
