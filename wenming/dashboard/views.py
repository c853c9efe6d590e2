"""The staff home: a work list for each of the user's roles."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from wenming.core.permissions import can
from wenming.core.views import StaffRequiredMixin
from wenming.dashboard import selectors
from wenming.regions.scoping import memberships


class Panel:
    """One work list: a title and its lines (label, count, link to the filtered list)."""

    def __init__(self, key, title, lines):
        self.key = key
        self.title = title
        self.lines = lines


def _lines(counts, url_name, definitions):
    base = reverse(url_name)
    return [
        {"key": key, "label": label, "count": counts[key], "url": f"{base}?{query}"}
        for key, label, query in definitions
    ]


class StaffHomeView(StaffRequiredMixin, TemplateView):
    """Each panel is shown to whoever holds its action somewhere (a superuser sees all):
    the office's review work, the unit's own tasks, and completion by unit."""

    template_name = "dashboard/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        due_soon_label = _("Due within %(days)s days") % {"days": settings.DUE_SOON_DAYS}
        panels = []
        if can(user, selectors.REVIEW):
            panels.append(
                Panel(
                    "office",
                    _("Office work"),
                    _lines(
                        selectors.office_work(user),
                        "framework:task_list",
                        [
                            ("waiting_for_review", _("Waiting for review"), "status=submitted"),
                            ("overdue", _("Overdue"), "overdue=true"),
                            ("due_soon", due_soon_label, "due_soon=true"),
                        ],
                    ),
                )
            )
        if can(user, selectors.SUBMIT_EVIDENCE):
            panels.append(
                Panel(
                    "unit",
                    _("My unit's tasks"),
                    _lines(
                        selectors.unit_work(user),
                        "framework:my_tasks",
                        [
                            ("to_acknowledge", _("To sign for"), "status=assigned"),
                            ("to_submit", _("To submit"), "status=acknowledged"),
                            ("returned", _("Returned"), "status=returned"),
                            ("overdue", _("Overdue"), "overdue=true"),
                            ("due_soon", due_soon_label, "due_soon=true"),
                        ],
                    ),
                )
            )
        context["panels"] = panels
        if can(user, selectors.FOLLOW_TASKS):
            context["ranking"] = selectors.completion_ranking(user)
        context["memberships"] = memberships(user)
        return context
