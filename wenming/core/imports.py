"""The shape every spreadsheet import shares: plan (a preview), then apply all or nothing."""

import uuid
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from wenming.core import audit
from wenming.core.excel import RowError, SheetRow, read_sheet


@dataclass
class PlannedChange:
    """One row's effect: a new object, or an existing one with changed fields."""

    row: int
    key: str
    label: str
    instance: object | None = None
    values: dict = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)
    order: int = 0  # parents before children: changes are applied in this order


@dataclass
class ImportPlan:
    """What an import would do, or the errors that stop it."""

    creates: list[PlannedChange] = field(default_factory=list)
    updates: list[PlannedChange] = field(default_factory=list)
    deletes: list[PlannedChange] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def has_changes(self) -> bool:
        return bool(self.creates or self.updates or self.deletes)


class TabularImporter:
    """Base for an import: subclasses give the columns and turn rows into a plan."""

    headers: dict[str, str] = {}
    required: set[str] = set()
    object_type = ""
    max_rows = 200_000

    def __init__(self, user):
        self.user = user
        self.columns: dict[str, str] = {}

    def error(self, plan: ImportPlan, row: SheetRow | int, key: str, message: str) -> None:
        number = row.number if isinstance(row, SheetRow) else row
        plan.errors.append(RowError(number, self.columns.get(key, ""), message))

    def plan(self, data: bytes) -> ImportPlan:
        """Read the workbook and decide every row's effect without writing anything."""
        plan = ImportPlan()
        sheet = read_sheet(data, self.headers, self.required)
        if sheet.errors:
            plan.errors.extend(sheet.errors)
            return plan
        if not sheet.rows:
            plan.errors.append(RowError(2, "", _("The sheet has no data rows.")))
            return plan
        if len(sheet.rows) > self.max_rows:
            plan.errors.append(
                RowError(
                    0, "", _("The sheet has more than %(count)d rows.") % {"count": self.max_rows}
                )
            )
            return plan
        self.columns = sheet.column_letters
        self.plan_rows(sheet.rows, plan)
        plan.errors.sort(key=lambda error: (error.row, error.column))
        return plan

    def plan_rows(self, rows: list[SheetRow], plan: ImportPlan) -> None:
        raise NotImplementedError

    def apply_change(self, change: PlannedChange, created: dict) -> None:
        raise NotImplementedError

    def apply_delete(self, change: PlannedChange) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not remove rows")

    def apply(self, data: bytes, *, filename: str = "") -> ImportPlan:
        """Plan, and if the whole file is valid, write every change in one transaction."""
        plan = self.plan(data)
        if not plan.is_valid or not plan.has_changes:
            return plan
        with transaction.atomic():
            created: dict = {}
            for change in sorted(plan.creates + plan.updates, key=lambda c: c.order):
                self.apply_change(change, created)
            for change in sorted(plan.deletes, key=lambda c: c.order):
                self.apply_delete(change)
            audit.record(
                "import",
                actor=self.user,
                object_type=self.object_type,
                object_repr=filename[:200],
                message=_(
                    "%(created)d created, %(updated)d updated, %(deleted)d removed, "
                    "%(unchanged)d unchanged"
                )
                % {
                    "created": len(plan.creates),
                    "updated": len(plan.updates),
                    "deleted": len(plan.deletes),
                    "unchanged": plan.unchanged,
                },
            )
        return plan


PENDING_SESSION_KEY = "wenming_pending_import"


def stash_upload(request, kind: str, data: bytes, name: str) -> str:
    """Keep an uploaded workbook between its preview and the confirmation; returns a token."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    token = uuid.uuid4().hex
    default_storage.save(f"imports/{token}.xlsx", ContentFile(data))
    request.session[PENDING_SESSION_KEY] = {"token": token, "kind": kind, "name": name[:200]}
    return token


def take_upload(request, kind: str, token: str) -> tuple[bytes, str] | None:
    """The stashed workbook if the token is this session's pending one; it is removed."""
    from django.core.files.storage import default_storage

    pending = request.session.get(PENDING_SESSION_KEY) or {}
    if not token or pending.get("token") != token or pending.get("kind") != kind:
        return None
    path = f"imports/{token}.xlsx"
    if not default_storage.exists(path):
        return None
    with default_storage.open(path, "rb") as handle:
        data = handle.read()
    default_storage.delete(path)
    del request.session[PENDING_SESSION_KEY]
    return data, pending.get("name", "")
