"""Shared view helpers and the audit log pages."""

import tempfile

from django import forms
from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseServerError
from django.template import loader
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import ListView
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from wenming.core import audit
from wenming.core.excel import XLSX_CONTENT_TYPE, build_workbook, safe_cell
from wenming.core.filters import AuditFilterSet
from wenming.core.models import AuditEntry
from wenming.core.navigation import is_staff_member
from wenming.core.permissions import VIEW

EXPORT_ROW_LIMIT = 100_000


def server_error(request):
    """The platform's own 500 page, rendered without the request's context processors.

    Whatever failed (the database, a context processor) must not fail this page too, so
    it reads nothing but the site name.
    """
    page = loader.get_template("500.html").render({"SITE_NAME": settings.SITE_NAME})
    return HttpResponseServerError(page)


class StaffRequiredMixin(LoginRequiredMixin):
    """Signed-in people with a staff role; residents and volunteers get 403."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not is_staff_member(request.user):
            raise PermissionDenied(_("This page is for staff."))
        return super().dispatch(request, *args, **kwargs)


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """An Excel download; the name carries the date so repeated exports do not collide."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.xlsx"'
    return response


def xlsx_stream_response(title: str, headers: list[str], rows, widths, filename: str):
    """An Excel download written row by row, so a long list never sits in memory at once.

    openpyxl's write-only mode spools rows to a temporary file; every cell goes through
    `safe_cell`, so text that starts like a formula stays text.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DCE6F1")
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([safe_cell(value) for value in row])
    with tempfile.TemporaryFile() as buffer:
        workbook.save(buffer)
        buffer.seek(0)
        return xlsx_response(buffer.read(), filename)


class FilteredListView(StaffRequiredMixin, ListView):
    """A scoped list narrowed by a FilterSet; `?export=xlsx` downloads the same rows.

    The page shows one page of `filterset.qs`; the export walks all of it (every page, in
    the same order). A list exports by naming `export_headers` and `export_row`, or by
    overriding `export` when its rows have their own writer (regions, units).
    """

    filterset_class = None
    paginate_by = 50
    export_title = ""
    export_filename = "export"
    export_headers: list = []
    export_widths: list = []

    def base_queryset(self):
        return self.model.objects.restrict(self.request.user, VIEW)

    def get_filterset(self):
        return self.filterset_class(
            self.request.GET or None, queryset=self.base_queryset(), request=self.request
        )

    def get_queryset(self):
        self.filterset = self.get_filterset()
        for field in self.filterset.form.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")
        return self.filterset.qs

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            return self.export()
        return super().get(request, *args, **kwargs)

    def export_row(self, item) -> list:
        raise NotImplementedError

    def export(self):
        rows = (self.export_row(item) for item in self.get_queryset().iterator(chunk_size=2000))
        return xlsx_stream_response(
            str(self.export_title),
            [str(header) for header in self.export_headers],
            rows,
            self.export_widths,
            self.export_filename,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filterset"] = self.filterset
        return context


class AuditListView(StaffRequiredMixin, ListView):
    """Search the audit log; `?export=xlsx` downloads the filtered entries."""

    template_name = "core/audit_list.html"
    paginate_by = 50

    def get_queryset(self):
        self.filterset = AuditFilterSet(
            self.request.GET or None,
            queryset=AuditEntry.objects.restrict(self.request.user, "view"),
            request=self.request,
        )
        self.filter_form = self.filterset.form
        return self.filterset.qs

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            return self.export()
        return super().get(request, *args, **kwargs)

    def export(self):
        entries = self.get_queryset()[:EXPORT_ROW_LIMIT]
        headers = [
            _("Number"),
            _("Time"),
            _("Actor"),
            _("Action"),
            _("Object type"),
            _("Object id"),
            _("Object"),
            _("Description"),
            _("Event"),
            _("Parameters"),
            _("IP address"),
            _("Request id"),
            _("Before"),
            _("After"),
            _("Hash"),
        ]
        actions = dict(AuditEntry.Action.choices)
        rows = (
            [
                entry.pk,
                timezone.localtime(entry.time).strftime("%Y-%m-%d %H:%M:%S"),
                entry.actor_name,
                str(actions.get(entry.action, entry.action)),
                audit.object_type_label(entry),
                entry.object_id,
                entry.object_repr,
                audit.describe(entry),
                entry.event,
                _json_text(entry.params),
                entry.ip or "",
                entry.request_id,
                _json_text(entry.before),
                _json_text(entry.after),
                entry.hash,
            ]
            for entry in entries.iterator(chunk_size=2000)
        )
        content = build_workbook(
            _("Audit log"),
            headers,
            rows,
            [8, 20, 14, 10, 12, 10, 24, 30, 18, 24, 15, 34, 40, 40, 66],
        )
        return xlsx_response(content, "audit-log")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        entries = context["object_list"]
        links = audit.object_links(entries, self.request.user)
        for entry in entries:
            entry.description = audit.describe(entry)
            entry.type_label = audit.object_type_label(entry)
            entry.object_url = links.get((entry.object_type, entry.object_id))
        return context


def _json_text(value) -> str:
    import json

    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
