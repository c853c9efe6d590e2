"""The one import pipeline: read a sheet, check rows with the model's rules, plan a preview,
then apply all or nothing through the services; one page and one upload form for all.

An importer is a `TabularImporter` subclass registered by kind (`register_importer`). Its
rows are checked by a `RowForm`, a ModelForm over the model's own fields, so maximum
lengths, validators and choices are the model's; lookups of other rows (parents, regions,
units) read through `restrict` once per file, never once per row.
"""

import contextlib
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from wenming.core import audit
from wenming.core.excel import RowError, SheetRow, read_sheet
from wenming.core.forms import StyledFormMixin
from wenming.core.views import StaffRequiredMixin

# Rows listed by name on the preview page; beyond this only the counts are shown.
PREVIEW_ROW_LIMIT = 500


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
    changed_titles: list[str] = field(default_factory=list)  # column titles, for the page


@dataclass
class ImportPlan:
    """What an import would do, or the errors that stop it."""

    creates: list[PlannedChange] = field(default_factory=list)
    updates: list[PlannedChange] = field(default_factory=list)
    deletes: list[PlannedChange] = field(default_factory=list)
    unchanged: int = 0
    unchanged_labels: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    sheet_name: str = ""
    header_row: int = 0
    # Row numbers with at least one error, so a row's check is one set lookup.
    error_rows: set[int] = field(default_factory=set)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def has_changes(self) -> bool:
        return bool(self.creates or self.updates or self.deletes)

    @property
    def change_count(self) -> int:
        return len(self.creates) + len(self.updates) + len(self.deletes)

    def add_error(self, error: RowError) -> None:
        self.errors.append(error)
        self.error_rows.add(error.row)

    def has_errors_in(self, row: int) -> bool:
        return row in self.error_rows

    def keep(self, label: str) -> None:
        """Count a row that changes nothing (listed on the page up to the limit)."""
        self.unchanged += 1
        if len(self.unchanged_labels) < PREVIEW_ROW_LIMIT:
            self.unchanged_labels.append(label)


# Row forms -----------------------------------------------------------------------------


class SheetDecimalField(forms.DecimalField):
    """A number cell rounded to the model field's places, as the spreadsheet shows it.

    Spreadsheets store 0.1 as 0.1000000000000000055…; refusing the extra places would
    refuse what the user sees as a plain number.
    """

    def to_python(self, value):
        number = super().to_python(value)
        if number is None or not number.is_finite() or self.decimal_places is None:
            return number
        try:
            return number.quantize(Decimal(1).scaleb(-self.decimal_places))
        except InvalidOperation:  # more digits than the context holds: far too large
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class KeyedChoiceField(forms.Field):
    """A foreign key written as a code (or name): `objects` maps each accepted word to its
    object, loaded once for the whole file from a `restrict`ed queryset."""

    default_error_messages = {"invalid_choice": gettext_lazy("Unknown value “%(value)s”.")}

    def __init__(self, *, objects: dict | None = None, **kwargs):
        # What a model's relation field offers a ModelChoiceField; the lookup replaces it.
        for name in ("queryset", "to_field_name", "limit_choices_to", "blank"):
            kwargs.pop(name, None)
        super().__init__(**kwargs)
        self.objects = objects or {}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return self.objects[value]
        except (KeyError, TypeError):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            ) from None


class KeyedMultipleChoiceField(KeyedChoiceField):
    """Several foreign keys in one cell, given as a list of codes or names."""

    def to_python(self, value):
        found, errors = [], []
        for word in value or []:
            item = self.objects.get(word)
            if item is None:
                # Formatted here: the cell holds several words and the error names one.
                message = self.error_messages["invalid_choice"] % {"value": word}
                errors.append(ValidationError(message, code="invalid_choice"))
            elif item not in found:
                found.append(item)
        if errors:
            raise ValidationError(errors)
        return found


class RowForm(forms.ModelForm):
    """One sheet row checked against the model's own field rules.

    Uniqueness is the importer's job: it is checked for the whole file at once, against
    the file's other rows too, where a query per row would not do for 100,000 rows.
    """

    # The import's wording for the commonest errors; a subclass's Meta.error_messages
    # take precedence.
    import_error_messages = {
        "code": {"required": gettext_lazy("The code is empty.")},
        "name": {"required": gettext_lazy("The name is empty.")},
    }

    def __init__(self, *args, lookups: dict[str, dict] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for name, objects in (lookups or {}).items():
            self.fields[name].objects = objects
        for name, form_field in self.fields.items():
            own = (getattr(self.Meta, "error_messages", None) or {}).get(name, {})
            for code, message in self.import_error_messages.get(name, {}).items():
                if code not in own:
                    form_field.error_messages[code] = message
            if getattr(form_field, "max_length", None) and "max_length" not in own:
                form_field.error_messages["max_length"] = gettext_lazy(
                    "Longer than %(limit_value)d characters."
                )

    def validate_unique(self):
        pass


def choice_words(choices_of, extra: dict | None = None) -> dict:
    """The words a cell may use for a choice: its values and its labels in Chinese and
    English (lower case), plus `extra` words the workbook also accepts.

    `choices_of` is a model field or a choices enum, anything with `.choices`.
    """
    choices = [(value, label) for value, label in choices_of.choices if value != ""]
    words = {str(value): value for value, _label in choices}
    with translation.override("zh-hans"):
        words |= {str(label): value for value, label in choices}
    with translation.override("en"):
        words |= {str(label).lower(): value for value, label in choices}
    return words | (extra or {})


def choice_value(words: dict, text: str):
    """The choice a word stands for, or the word itself so the form refuses it by name."""
    if text in words:
        return words[text]
    return words.get(text.lower(), text)


# Importers ------------------------------------------------------------------------------

IMPORTERS: dict[str, type["TabularImporter"]] = {}


def register_importer(importer_class):
    """Make an importer reachable on the import page under its `kind`."""
    IMPORTERS[importer_class.kind] = importer_class
    return importer_class


class TabularImporter:
    """Base for an import: subclasses give the columns and turn rows into a plan."""

    kind = ""
    title = ""
    headers: dict[str, str] = {}
    required: set[str] = set()
    multiline: set[str] = set()  # keys whose cells keep their line breaks (lists, prose)
    object_type = ""
    max_rows = 200_000

    def __init__(self, user):
        self.user = user
        self.columns: dict[str, str] = {}
        self.message_params: dict[str, dict] = {}  # extra %(…)s values by form field

    # The page ---------------------------------------------------------------------

    @classmethod
    def for_request(cls, request, **url_kwargs):
        """The importer for this request; raises PermissionDenied or Http404 first."""
        return cls(request.user)

    @property
    def pretitle(self) -> str:
        return ""

    @property
    def stash_key(self) -> str:
        """What a stashed upload is filed under, so it cannot be applied elsewhere."""
        return self.kind

    def page_url(self) -> str:
        raise NotImplementedError

    def done_url(self) -> str:
        raise NotImplementedError

    # Errors -----------------------------------------------------------------------

    def error(self, plan: ImportPlan, row: SheetRow | int, key: str, message: str) -> None:
        number = row.number if isinstance(row, SheetRow) else row
        plan.add_error(RowError(number, self.columns.get(key, ""), message))

    def form_errors(
        self, plan: ImportPlan, row: SheetRow, form, columns: dict[str, str] | None = None
    ) -> None:
        """Every error of a row form, at the column its field was read from.

        Messages may name the cell as %(value)s; `message_params` adds a field's other
        values (the words a choice accepts, a coordinate's range).
        """
        columns = columns or {}
        for name, errors in form.errors.as_data().items():
            key = columns.get(name, name)
            raw = row.values.get(key, "")
            for error in errors:
                message = str(error.message)
                params = {**(error.params or {}), **self.message_params.get(name, {})}
                params["value"] = raw
                if error.params or "%(" in message:
                    # A message formatted already may hold text that merely looks like a format.
                    with contextlib.suppress(KeyError, ValueError, TypeError):
                        message %= params
                self.error(plan, row, key if name != "__all__" else "", message)

    def repeated(self, plan: ImportPlan, row: SheetRow, key: str, code: str, seen: dict) -> bool:
        """Whether `code` was met in an earlier row (then an error is added); else note it."""
        if code in seen:
            self.error(
                plan,
                row,
                key,
                _("Code %(code)s already appears in row %(row)d.")
                % {"code": code, "row": seen[code]},
            )
            return True
        seen[code] = row.number
        return False

    # Plan and apply -----------------------------------------------------------------

    def plan(self, data: bytes) -> ImportPlan:
        """Read the workbook and decide every row's effect without writing anything."""
        plan = ImportPlan()
        sheet = read_sheet(data, self.headers, self.required, self.multiline)
        plan.sheet_name, plan.header_row = sheet.sheet_name, sheet.header_row
        if sheet.errors:
            for error in sheet.errors:
                plan.add_error(error)
            return plan
        if not sheet.rows:
            plan.add_error(RowError(sheet.header_row + 1, "", _("The sheet has no data rows.")))
            return plan
        if len(sheet.rows) > self.max_rows:
            plan.add_error(
                RowError(
                    0, "", _("The sheet has more than %(count)d rows.") % {"count": self.max_rows}
                )
            )
            return plan
        self.columns = sheet.column_letters
        self.plan_rows(sheet.rows, plan)
        plan.errors.sort(key=lambda error: (error.row, error.column))
        titles = {}
        for title, key in self.headers.items():
            titles.setdefault(key, title)
        for change in plan.updates:
            change.changed_titles = [titles.get(key, key) for key in change.changed]
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


# Between the preview and the confirmation ----------------------------------------------

PENDING_SESSION_KEY = "wenming_pending_import"


def stash_upload(request, kind: str, data: bytes, name: str) -> str:
    """Keep an uploaded workbook between its preview and the confirmation; returns a token."""
    token = uuid.uuid4().hex
    default_storage.save(f"imports/{token}.xlsx", ContentFile(data))
    request.session[PENDING_SESSION_KEY] = {"token": token, "kind": kind, "name": name[:200]}
    return token


def take_upload(request, kind: str, token: str) -> tuple[bytes, str] | None:
    """The stashed workbook if the token is this session's pending one; it is removed."""
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


# The page -------------------------------------------------------------------------------

XLSX_MAGIC = b"PK\x03\x04"


class ImportUploadForm(StyledFormMixin, forms.Form):
    """An .xlsx workbook, checked by size and by content (a zip), not by its name."""

    file = forms.FileField(label=gettext_lazy("Excel workbook (.xlsx)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)d MB.")
                % {"size": settings.IMPORT_MAX_BYTES // (1024 * 1024)}
            )
        head = upload.read(4)
        upload.seek(0)
        if head != XLSX_MAGIC:
            raise forms.ValidationError(_("The file is not an Excel workbook (.xlsx)."))
        return upload


class ImportView(StaffRequiredMixin, View):
    """Upload a workbook, see what it would change, then confirm; nothing is written on error.

    The URL names the importer's `kind`; the importer checks who may use it.
    """

    template_name = "core/import.html"

    def get_importer(self) -> TabularImporter:
        url_kwargs = dict(self.kwargs)
        importer_class = IMPORTERS.get(url_kwargs.pop("kind", ""))
        if importer_class is None:
            raise Http404
        return importer_class.for_request(self.request, **url_kwargs)

    def render_page(self, importer, form, plan=None, token=None):
        return render(
            self.request,
            self.template_name,
            {
                "importer": importer,
                "title": importer.title,
                "form": form,
                "plan": plan,
                "token": token,
                "kind": importer.kind,
                "row_limit": PREVIEW_ROW_LIMIT,
            },
        )

    def get(self, request, **kwargs):
        return self.render_page(self.get_importer(), ImportUploadForm())

    def post(self, request, **kwargs):
        importer = self.get_importer()
        if "confirm" in request.POST:
            return self.confirm(importer)
        form = ImportUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_page(importer, form)
        upload = form.cleaned_data["file"]
        data = upload.read()
        plan = importer.plan(data)
        token = None
        if plan.is_valid and plan.has_changes:
            token = stash_upload(request, importer.stash_key, data, upload.name)
        return self.render_page(importer, ImportUploadForm(), plan, token)

    def confirm(self, importer):
        request = self.request
        taken = take_upload(request, importer.stash_key, request.POST.get("token", ""))
        if taken is None:
            messages.error(request, _("That import has expired; upload the file again."))
            return redirect(importer.page_url())
        data, name = taken
        try:
            plan = importer.apply(data, filename=name)
        except (ValidationError, PermissionDenied) as error:
            # A check only a service or the database makes (a path too long, a scope
            # that changed since the preview): the transaction was rolled back.
            if isinstance(error, ValidationError):
                reason = " ".join(error.messages)
            else:
                reason = str(error) or _("You may not make these changes.")
            messages.error(request, _("Nothing was imported: %(reason)s") % {"reason": reason})
            return redirect(importer.page_url())
        if not plan.is_valid:
            # The data changed since the preview; show the new errors, nothing was written.
            return self.render_page(importer, ImportUploadForm(), plan)
        messages.success(
            request,
            _(
                "Import done: %(created)d added, %(updated)d changed, %(deleted)d removed, "
                "%(unchanged)d unchanged."
            )
            % {
                "created": len(plan.creates),
                "updated": len(plan.updates),
                "deleted": len(plan.deletes),
                "unchanged": plan.unchanged,
            },
        )
        return redirect(importer.done_url())
