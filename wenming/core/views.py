"""Shared view helpers and the audit log pages."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import ListView

from wenming.core import audit
from wenming.core.excel import XLSX_CONTENT_TYPE, build_workbook
from wenming.core.filters import AuditFilterForm
from wenming.core.models import AuditEntry
from wenming.core.navigation import is_staff_member

EXPORT_ROW_LIMIT = 100_000


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


class AuditListView(StaffRequiredMixin, ListView):
    """Search the audit log; `?export=xlsx` downloads the filtered entries."""

    template_name = "core/audit_list.html"
    paginate_by = 50

    def get_queryset(self):
        self.filter_form = AuditFilterForm(self.request.GET or None)
        queryset = AuditEntry.objects.restrict(self.request.user, "view")
        return self.filter_form.apply(queryset)

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
