"""Framework, task and ledger pages: thin views over services and selectors."""

import re
from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView

from wenming.core.permissions import CHANGE, can
from wenming.core.uploads import content_disposition
from wenming.core.views import StaffRequiredMixin, xlsx_response
from wenming.framework import selectors, services
from wenming.framework.forms import (
    AssignForm,
    FrameworkForm,
    PeriodForm,
    ReviewForm,
    SubmissionForm,
    TaskForm,
    WeightsForm,
)
from wenming.framework.importers import export_rows
from wenming.framework.models import (
    EvidenceFile,
    Framework,
    LedgerEntry,
    Task,
)
from wenming.framework.sample import build_workbook_bytes
from wenming.regions.models import Region, Unit

ADD_FRAMEWORK = "framework.add_framework"
ASSIGN = "framework.assign"


def _framework(user, pk, action="view"):
    return get_object_or_404(Framework.objects.restrict(user, action), pk=pk)


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


class FrameworkListView(StaffRequiredMixin, View):
    """The city's framework versions; office staff start a draft here."""

    def get(self, request):
        return self.render_page(FrameworkForm(initial={"edition_year": timezone.now().year}))

    def render_page(self, form):
        user = self.request.user
        frameworks = (
            Framework.objects.restrict(user)
            .select_related("region")
            .annotate(contents=Count("indicators", filter=Q(indicators__level=3)))
        )
        return render(
            self.request,
            "framework/framework_list.html",
            {
                "frameworks": frameworks,
                "form": form,
                "can_create": can(user, ADD_FRAMEWORK),
            },
        )

    def post(self, request):
        form = FrameworkForm(request.POST)
        if not form.is_valid():
            return self.render_page(form)
        region = _home_city(request.user)
        if region is None or not can(request.user, ADD_FRAMEWORK):
            raise PermissionDenied(_("You may not keep frameworks."))
        try:
            framework = services.create_framework(request.user, region=region, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
            return self.render_page(form)
        return redirect("framework:framework_detail", pk=framework.pk)


def _home_city(user):
    """The city whose frameworks the user may start (the first, for a superuser)."""
    return (
        Region.objects.restrict(user, ADD_FRAMEWORK)
        .filter(parent__isnull=True)
        .order_by("path")
        .first()
    )


class FrameworkDetailView(StaffRequiredMixin, View):
    """The indicator tree of one framework, its weights, warnings and actions."""

    def post(self, request, pk):
        """Save the assessment weights of a draft."""
        framework = _framework(request.user, pk)
        form = WeightsForm(request.POST)
        if form.is_valid():
            try:
                services.update_weights(request.user, framework, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The weights were saved."))
                return redirect("framework:framework_detail", pk=framework.pk)
        return self.get(request, pk, weights_form=form)

    def get(self, request, pk, weights_form=None):
        framework = _framework(request.user, pk)
        nodes = list(
            framework.indicators.select_related("lead_unit")
            .prefetch_related("responsible_units")
            .order_by("position")
        )
        children = {}
        for node in nodes:
            children.setdefault(node.parent_id, []).append(node)
        tree = [
            (
                item,
                [
                    (indicator, children.get(indicator.pk, []))
                    for indicator in children.get(item.pk, [])
                ],
            )
            for item in children.get(None, [])
        ]
        can_change = can(request.user, CHANGE, framework)
        return render(
            request,
            "framework/framework_detail.html",
            {
                "framework": framework,
                "tree": tree,
                "can_change": can_change,
                "warnings": services.points_warnings(framework),
                "totals": selectors.framework_totals(framework),
                "assign_form": AssignForm(
                    initial={
                        "first_period_start": timezone.localdate(),
                        "frequency": Task.Frequency.MONTHLY,
                    }
                ),
                "weights_form": weights_form
                or WeightsForm(
                    initial={name: getattr(framework, name) for name in services.WEIGHT_FIELDS}
                ),
            },
        )


class FrameworkActionView(StaffRequiredMixin, View):
    """Copy into a new draft, or activate (POST)."""

    def post(self, request, pk, action):
        framework = _framework(request.user, pk)
        try:
            if action == "copy":
                framework = services.copy_framework(request.user, framework)
                messages.success(request, _("A new draft version was made."))
            elif action == "activate":
                services.activate_framework(request.user, framework)
                messages.success(request, _("This framework is now the active one."))
            else:
                raise Http404
        except ValidationError as error:
            messages.error(request, _error_text(error))
        return redirect("framework:framework_detail", pk=framework.pk)


class FrameworkExportView(StaffRequiredMixin, View):
    """The framework as the import template (an empty template with ?template=1)."""

    def get(self, request, pk):
        framework = _framework(request.user, pk)
        rows = [] if request.GET.get("template") else export_rows(framework)
        return xlsx_response(build_workbook_bytes(rows), f"framework-{framework.edition_year}")


class AssignView(StaffRequiredMixin, View):
    """Bulk assignment of level-3 indicators to their units (POST from the framework page)."""

    def post(self, request, pk):
        framework = _framework(request.user, pk)
        form = AssignForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                messages.error(request, " ".join(errors))
            return redirect("framework:framework_detail", pk=framework.pk)
        data = form.cleaned_data
        indicators = framework.indicators.filter(level=3).prefetch_related("responsible_units")
        codes = [code for code in re.split(r"[\s,，、;；]+", data["indicator_codes"]) if code]
        if codes:
            indicators = indicators.filter(code__in=codes)
            missing = set(codes) - set(indicators.values_list("code", flat=True))
            if missing:
                messages.error(
                    request,
                    _("Unknown level-3 codes: %(codes)s") % {"codes": "、".join(sorted(missing))},
                )
                return redirect("framework:framework_detail", pk=framework.pk)
        try:
            created = services.assign_indicators(
                request.user,
                framework=framework,
                indicators=indicators.order_by("position"),
                frequency=data["frequency"],
                first_period_start=data["first_period_start"],
                deadline=data["deadline"],
                due_days=data["due_days"] or 0,
            )
        except (ValidationError, PermissionDenied) as error:
            text = _error_text(error) if isinstance(error, ValidationError) else str(error)
            messages.error(request, text)
        else:
            messages.success(
                request, _("%(count)d tasks were handed out.") % {"count": len(created)}
            )
        return redirect("framework:task_list")


class TaskCreateView(StaffRequiredMixin, View):
    """An office hands a task written by hand to one unit of its region."""

    template_name = "framework/task_form.html"

    def units(self):
        return (
            Unit.objects.restrict(self.request.user, ASSIGN).filter(is_active=True).order_by("path")
        )

    def get(self, request):
        return render(
            request,
            self.template_name,
            {
                "form": TaskForm(
                    units=self.units(),
                    initial={
                        "first_period_start": timezone.localdate(),
                        "frequency": Task.Frequency.ONCE,
                    },
                )
            },
        )

    def post(self, request):
        form = TaskForm(request.POST, units=self.units())
        framework = (
            Framework.objects.restrict(request.user).filter(status=Framework.Status.ACTIVE).first()
        )
        if form.is_valid():
            data = form.cleaned_data
            indicator = None
            if data["indicator_code"] and framework is not None:
                indicator = framework.indicators.filter(
                    code=data["indicator_code"], level=3
                ).first()
                if indicator is None:
                    form.add_error(
                        "indicator_code",
                        _("No level-3 indicator with this code in the active framework."),
                    )
            if framework is None:
                form.add_error(None, _("There is no active framework yet."))
            if form.is_valid():
                try:
                    services.create_task(
                        request.user,
                        framework=framework,
                        unit=data["unit"],
                        title=data["title"],
                        description=data["description"],
                        indicator=indicator,
                        frequency=data["frequency"],
                        first_period_start=data["first_period_start"],
                        deadline=data["deadline"],
                        due_days=data["due_days"] or 0,
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    messages.success(request, _("The task was handed out."))
                    return redirect("framework:task_list")
        return render(request, self.template_name, {"form": form})


class TaskListView(StaffRequiredMixin, ListView):
    """Ledger entries in scope, filtered by status, unit, overdue and text."""

    template_name = "framework/task_list.html"
    paginate_by = 50
    mine = False

    def get_queryset(self):
        if self.mine:
            # A unit's own to-do list: the entries it submits evidence for.
            queryset = selectors.entries_for(self.request.user, "framework.submit_evidence")
            queryset = queryset.exclude(status=LedgerEntry.Status.PASSED)
        else:
            queryset = selectors.entries_for(self.request.user)
        self.filters = {
            key: self.request.GET.get(key, "").strip()[:100]
            for key in ("status", "unit", "q", "overdue")
        }
        if self.filters["status"] in LedgerEntry.Status.values:
            queryset = queryset.filter(status=self.filters["status"])
        if self.filters["unit"].isdigit() and len(self.filters["unit"]) <= 18:
            queryset = queryset.filter(task__unit_id=int(self.filters["unit"]))
        if self.filters["q"]:
            text = self.filters["q"]
            queryset = queryset.filter(
                Q(task__title__icontains=text)
                | Q(task__indicator__code=text)
                | Q(task__unit__name__icontains=text)
            )
        if self.filters["overdue"] == "1":
            queryset = queryset.overdue()
        return queryset.order_by("deadline", "id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filters"] = self.filters
        context["statuses"] = LedgerEntry.Status.choices
        context["mine"] = self.mine
        context["can_hand_out"] = not self.mine and can(self.request.user, ASSIGN)
        today = timezone.localdate()
        context["today"] = today
        context["export_units"] = (
            Unit.objects.restrict(self.request.user)
            .filter(pk__in=selectors.entries_for(self.request.user).values("task__unit"))
            .order_by("path")
        )
        context["export_form"] = PeriodForm(
            initial={"start": today.replace(month=1, day=1), "end": today}
        )
        return context


class EntryDetailView(StaffRequiredMixin, View):
    """One ledger entry: the task, acknowledgement, evidence versions, review and history."""

    def get_entry(self, request, pk):
        return get_object_or_404(
            selectors.entries_for(request.user).select_related(
                "task__unit__region", "task__framework"
            ),
            pk=pk,
        )

    def get(self, request, pk, submission_form=None, review_form=None):
        entry = self.get_entry(request, pk)
        submissions = (
            entry.submissions.select_related("submitted_by", "reviewed_by")
            .prefetch_related(Prefetch("files", queryset=EvidenceFile.objects.order_by("id")))
            .order_by("-version")
        )
        latest = submissions[0] if submissions else None
        return render(
            request,
            "framework/entry_detail.html",
            {
                "entry": entry,
                "submissions": submissions,
                "events": entry.events.select_related("actor", "submission"),
                "may_acknowledge": can(request.user, "framework.acknowledge", entry),
                "may_submit": can(request.user, "framework.submit_evidence", entry),
                "is_reviewer": can(request.user, "framework.review", entry),
                "latest": latest,
                "submission_form": submission_form or SubmissionForm(),
                "review_form": review_form or ReviewForm(),
            },
        )

    def post(self, request, pk):
        entry = self.get_entry(request, pk)
        action = request.POST.get("action")
        try:
            if action == "acknowledge":
                services.acknowledge(request.user, entry)
                messages.success(request, _("Receipt confirmed."))
            elif action == "submit":
                form = SubmissionForm(request.POST, request.FILES)
                if not form.is_valid():
                    return self.get(request, pk, submission_form=form)
                services.submit_evidence(
                    request.user,
                    entry,
                    files=form.cleaned_data["files"],
                    note=form.cleaned_data["note"],
                    links=form.cleaned_data["links"],
                )
                messages.success(request, _("The evidence was submitted for review."))
            elif action == "review":
                form = ReviewForm(request.POST)
                if not form.is_valid():
                    return self.get(request, pk, review_form=form)
                submission_id = request.POST.get("submission", "")
                if not submission_id.isdigit() or len(submission_id) > 18:
                    raise ValidationError(_("Choose the submission to review."))
                submission = get_object_or_404(entry.submissions, pk=int(submission_id))
                services.review(
                    request.user,
                    submission,
                    form.cleaned_data["outcome"],
                    form.cleaned_data["reason"],
                )
                messages.success(request, _("The review was recorded."))
            else:
                raise Http404
        except ValidationError as error:
            messages.error(request, _error_text(error))
            if action == "submit":
                return self.get(request, pk, submission_form=SubmissionForm(request.POST))
        return redirect("framework:entry_detail", pk=entry.pk)


class EvidenceDownloadView(StaffRequiredMixin, View):
    """One evidence file, to people who may see its ledger entry."""

    def get(self, request, pk):
        evidence = get_object_or_404(EvidenceFile.objects.select_related("submission"), pk=pk)
        if not selectors.entries_for(request.user).filter(pk=evidence.submission.entry_id).exists():
            raise Http404
        # Type and name come from the detected kind, never from the name the uploader gave:
        # a PDF uploaded as x.html goes out as application/pdf named x.pdf.
        response = FileResponse(evidence.file.open("rb"), content_type=evidence.content_type)
        response["Content-Disposition"] = content_disposition(
            evidence.download_name, inline=evidence.is_shown_inline
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


class CompletionView(StaffRequiredMixin, View):
    """Leaders' view: completion by unit and by indicator, in SQL."""

    def get(self, request):
        form = PeriodForm(request.GET or None)
        start = end = None
        if form.is_bound and form.is_valid():
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        return render(
            request,
            "framework/completion.html",
            {
                "form": form,
                "by_unit": selectors.completion_by(
                    request.user, "task__unit", period_start=start, period_end=end
                ),
                "by_indicator": selectors.completion_by(
                    request.user, "task__indicator", period_start=start, period_end=end
                ),
            },
        )


class LostPointsView(StaffRequiredMixin, View):
    """The level-3 indicators that lost points in a period, and the units that own them."""

    def get(self, request, pk):
        framework = _framework(request.user, pk)
        today = timezone.localdate()
        form = PeriodForm(request.GET or {"start": date(today.year, 1, 1), "end": today})
        rows = []
        if form.is_valid():
            rows = selectors.lost_points(
                request.user,
                framework,
                period_start=form.cleaned_data["start"],
                period_end=form.cleaned_data["end"],
            )
        return render(
            request,
            "framework/lost_points.html",
            {"framework": framework, "form": form, "rows": rows},
        )


class LedgerExportView(StaffRequiredMixin, View):
    """A unit's ledger for a period as a zip: folders by indicator code and an index."""

    def get(self, request):
        form = PeriodForm(request.GET)
        unit_id = request.GET.get("unit", "")
        if not form.is_valid() or not unit_id.isdigit() or len(unit_id) > 18:
            messages.error(request, _("Choose a unit and a period to export."))
            return redirect("framework:task_list")
        unit = get_object_or_404(Unit.objects.restrict(request.user), pk=int(unit_id))
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        content = selectors.ledger_zip(request.user, unit, period_start=start, period_end=end)
        response = HttpResponse(content, content_type="application/zip")
        filename = f"ledger-{unit.code}-{start:%Y%m%d}-{end:%Y%m%d}.zip"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
