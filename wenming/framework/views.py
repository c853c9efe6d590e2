"""Framework, task and ledger pages: thin views over services and selectors."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View

from wenming.core.permissions import CHANGE, can, require
from wenming.core.uploads import content_disposition
from wenming.core.views import (
    FilteredListView,
    StaffRequiredMixin,
    xlsx_response,
    xlsx_stream_response,
)
from wenming.framework import exports, selectors, services, tasks
from wenming.framework.exporters import export_rows, framework_workbook
from wenming.framework.filters import (
    CompletionFilterSet,
    FrameworkFilterSet,
    LedgerEntryFilterSet,
)
from wenming.framework.forms import (
    AssignForm,
    FrameworkForm,
    LedgerExportForm,
    PeriodForm,
    ReviewForm,
    SubmissionForm,
    TaskCancelForm,
    TaskEditForm,
    TaskForm,
    WeightsForm,
)
from wenming.framework.models import (
    EvidenceFile,
    Framework,
    LedgerEntry,
    LedgerPackage,
    Task,
)
from wenming.framework.thumbnails import thumbnail
from wenming.regions.models import Region, Unit

ADD_FRAMEWORK = "framework.add_framework"
ASSIGN = "framework.assign"
SUBMIT_EVIDENCE = "framework.submit_evidence"


def _framework(user, pk, action="view"):
    return get_object_or_404(Framework.objects.restrict(user, action), pk=pk)


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


class FrameworkListView(FilteredListView):
    """The city's framework versions, newest edition first; office staff start a draft here."""

    model = Framework
    filterset_class = FrameworkFilterSet
    template_name = "framework/framework_list.html"
    export_title = gettext_lazy("Assessment framework")
    export_filename = "frameworks"
    export_headers = [
        gettext_lazy("Name"),
        gettext_lazy("Edition year"),
        gettext_lazy("Version"),
        gettext_lazy("Status"),
        gettext_lazy("Level-3 contents"),
    ]
    export_widths = [30, 10, 8, 10, 10]
    form = None

    def base_queryset(self):
        return (
            super()
            .base_queryset()
            .select_related("region")
            .annotate(contents=Count("indicators", filter=Q(indicators__level=3)))
            .order_by("-edition_year", "-version", "-id")
        )

    def export_row(self, framework):
        return [
            framework.name,
            framework.edition_year,
            framework.version,
            str(framework.get_status_display()),
            framework.contents,
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["frameworks"] = context["object_list"]
        context["form"] = self.form or FrameworkForm(initial={"edition_year": timezone.now().year})
        context["can_create"] = can(self.request.user, ADD_FRAMEWORK)
        return context

    def post(self, request):
        form = FrameworkForm(request.POST)
        if not form.is_valid():
            return self.refused(form)
        region = _home_city(request.user)
        if region is None or not can(request.user, ADD_FRAMEWORK):
            raise PermissionDenied(_("You may not keep frameworks."))
        try:
            framework = services.create_framework(request.user, region=region, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
            return self.refused(form)
        return redirect("framework:framework_detail", pk=framework.pk)

    def refused(self, form):
        """The list again, with the draft form as posted and its errors."""
        self.form = form
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data())


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
            .order_by(*selectors.natural_code_order(), "position", "id")
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


class FrameworkCopyView(StaffRequiredMixin, View):
    """Copy a framework into a new draft version (POST)."""

    def post(self, request, pk):
        framework = _framework(request.user, pk)
        try:
            framework = services.copy_framework(request.user, framework)
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("A new draft version was made."))
        return redirect("framework:framework_detail", pk=framework.pk)


class FrameworkActivateView(StaffRequiredMixin, View):
    """Make a framework version the active one, after a page that says what it archives."""

    def get(self, request, pk):
        framework = _framework(request.user, pk)
        require(request.user, CHANGE, framework, _("You may not keep this framework."))
        current = (
            Framework.objects.filter(region=framework.region, status=Framework.Status.ACTIVE)
            .exclude(pk=framework.pk)
            .first()
        )
        stopping = (
            Task.objects.filter(framework=current, is_active=True)
            .exclude(frequency=Task.Frequency.ONCE)
            .count()
            if current
            else 0
        )
        return render(
            request,
            "framework/framework_activate.html",
            {"framework": framework, "current": current, "stopping": stopping},
        )

    def post(self, request, pk):
        framework = _framework(request.user, pk)
        require(request.user, CHANGE, framework, _("You may not keep this framework."))
        if request.POST.get("confirmed") != "yes":
            # Only the confirmation page's own form activates.
            return redirect("framework:framework_activate", pk=framework.pk)
        try:
            services.activate_framework(request.user, framework)
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("This framework is now the active one."))
        return redirect("framework:framework_detail", pk=framework.pk)


class FrameworkExportView(StaffRequiredMixin, View):
    """The framework as the import template (an empty template with ?template=1)."""

    def get(self, request, pk):
        framework = _framework(request.user, pk)
        rows = [] if request.GET.get("template") else export_rows(framework)
        return xlsx_response(framework_workbook(rows), f"framework-{framework.edition_year}")


class AssignView(StaffRequiredMixin, View):
    """Bulk assignment of level-3 indicators to their units (POST from the framework page)."""

    def post(self, request, pk):
        framework = _framework(request.user, pk)
        form = AssignForm(request.POST, framework=framework)
        if not form.is_valid():
            for errors in form.errors.values():
                messages.error(request, " ".join(errors))
            return redirect("framework:framework_detail", pk=framework.pk)
        data = form.cleaned_data
        try:
            created = services.assign_indicators(
                request.user,
                framework=framework,
                indicators=data["indicator_codes"],
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
        framework = (
            Framework.objects.restrict(request.user).filter(status=Framework.Status.ACTIVE).first()
        )
        form = TaskForm(request.POST, units=self.units(), framework=framework)
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = services.create_tasks(
                    request.user,
                    framework=framework,
                    lead_unit=data["unit"],
                    other_units=data["other_units"],
                    title=data["title"],
                    description=data["description"],
                    indicator=data["indicator_code"],
                    frequency=data["frequency"],
                    first_period_start=data["first_period_start"],
                    deadline=data["deadline"],
                    due_days=data["due_days"] or 0,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    ngettext(
                        "The task was handed out to %(count)d unit.",
                        "The task was handed out to %(count)d units.",
                        len(created),
                    )
                    % {"count": len(created)},
                )
                return redirect("framework:task_list")
        return render(request, self.template_name, {"form": form})


def _assignable_task(user, pk) -> Task:
    """A task whose unit the user may hand work to; any other answers 404."""
    return get_object_or_404(
        Task.objects.select_related("unit", "indicator").filter(
            unit__in=Unit.objects.restrict(user, ASSIGN)
        ),
        pk=pk,
    )


def _back_to_task(request, task):
    """The entry page the user came from (`?entry=`), else the task list."""
    entry_id = _entry_id(request)
    entry = task.entries.filter(pk=entry_id).first() if entry_id else None
    return redirect(entry) if entry else redirect("framework:task_list")


def _entry_id(request) -> str:
    """The entry page a task change was started from, as digits or ''."""
    value = request.POST.get("entry") or request.GET.get("entry") or ""
    return value if value.isdigit() else ""


class TaskEditView(StaffRequiredMixin, View):
    """Change a task's title, requirement and deadline; its open entries follow."""

    template_name = "framework/task_edit.html"

    def get(self, request, pk):
        task = _assignable_task(request.user, pk)
        form = TaskEditForm(
            task=task,
            initial={
                "title": task.title,
                "description": task.description,
                "deadline": task.deadline,
                "due_days": task.due_days,
            },
        )
        return self.page(request, task, form)

    def post(self, request, pk):
        task = _assignable_task(request.user, pk)
        form = TaskEditForm(request.POST, task=task)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.update_task(
                    request.user,
                    task,
                    title=data["title"],
                    description=data["description"],
                    deadline=data.get("deadline"),
                    due_days=data.get("due_days"),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The task was changed."))
                return _back_to_task(request, task)
        return self.page(request, task, form)

    def page(self, request, task, form):
        return render(
            request,
            self.template_name,
            {
                "task": task,
                "form": form,
                "entry_id": _entry_id(request),
                "open_entries": task.entries.filter(status__in=LedgerEntry.OPEN_STATUSES).count(),
            },
        )


class TaskCancelView(TaskEditView):
    """Withdraw a task after asking why: its open entries are cancelled, passed ones stay."""

    template_name = "framework/task_cancel.html"

    def get(self, request, pk):
        task = _assignable_task(request.user, pk)
        return self.page(request, task, TaskCancelForm())

    def post(self, request, pk):
        task = _assignable_task(request.user, pk)
        form = TaskCancelForm(request.POST)
        if form.is_valid():
            try:
                services.cancel_task(request.user, task, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The task was cancelled."))
                return _back_to_task(request, task)
        return self.page(request, task, form)


class TaskListView(FilteredListView):
    """Ledger entries in scope, newest first, narrowed by the API's FilterSet; Excel too."""

    model = LedgerEntry
    filterset_class = LedgerEntryFilterSet
    template_name = "framework/task_list.html"
    mine = False
    export_title = gettext_lazy("Tasks")
    export_filename = "tasks"
    export_headers = [
        gettext_lazy("Indicator code"),
        gettext_lazy("Task"),
        gettext_lazy("Unit"),
        gettext_lazy("Lead"),
        gettext_lazy("Frequency"),
        gettext_lazy("Period start"),
        gettext_lazy("Period end"),
        gettext_lazy("Deadline"),
        gettext_lazy("Status"),
        gettext_lazy("Overdue"),
        gettext_lazy("Acknowledged at"),
    ]
    export_widths = [12, 40, 24, 6, 10, 12, 12, 12, 10, 8, 18]

    def base_queryset(self):
        if self.mine:
            # A unit's own to-do list: the entries it submits evidence for, open ones
            # unless the status filter asks for another (passed and cancelled ones stay
            # findable).
            queryset = selectors.entries_for(self.request.user, SUBMIT_EVIDENCE)
            if self.request.GET.get("status") not in LedgerEntry.Status.values:
                queryset = queryset.exclude(status__in=LedgerEntry.CLOSED_STATUSES)
        else:
            queryset = selectors.entries_for(self.request.user)
        return queryset.order_by("-deadline", "-id")

    def export_row(self, entry):
        task = entry.task
        return [
            task.indicator.code if task.indicator_id else "",
            task.title,
            task.unit.name,
            _("Yes") if task.is_lead else "",
            str(task.get_frequency_display()),
            entry.period_start,
            entry.period_end,
            entry.deadline,
            str(entry.get_status_display()),
            _("Yes") if entry.is_overdue else "",
            timezone.localtime(entry.acknowledged_at).strftime("%Y-%m-%d %H:%M")
            if entry.acknowledged_at
            else "",
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["mine"] = self.mine
        context["can_hand_out"] = not self.mine and can(self.request.user, ASSIGN)
        today = timezone.localdate()
        # The unit list is written out in the template, so one query fills and tests it.
        context["export_units"] = _ledger_units(self.request.user)
        context["export_form"] = PeriodForm(initial=default_ledger_period(today))
        return context


def _ledger_units(user):
    """Units in scope that have ledger entries the user sees: whose ledger can be packed."""
    return (
        Unit.objects.restrict(user)
        .filter(pk__in=selectors.entries_for(user).values("task__unit"))
        .order_by("path")
    )


class EntryDetailView(StaffRequiredMixin, View):
    """One ledger entry: the task, acknowledgement, evidence versions, review and history."""

    def get(self, request, pk):
        return render_entry(request, get_entry(request.user, pk))

    def post(self, request, pk):
        # Pages before the steps had their own addresses posted `action` here; forward
        # them to the step's view so an open page still works.
        view = ENTRY_STEP_VIEWS.get(request.POST.get("action", ""))
        if view is None:
            raise Http404
        return view(request, pk=pk)


def get_entry(user, pk):
    """A ledger entry the user may see, with what its page needs; 404 outside scope."""
    return get_object_or_404(
        selectors.entries_for(user).select_related("task__unit__region", "task__framework"),
        pk=pk,
    )


def render_entry(request, entry, submission_form=None, review_form=None, status=200):
    """The ledger entry page, with the forms as posted when a step was refused."""
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
            "latest": latest,
            "submission_form": submission_form or SubmissionForm(previous=latest),
            "review_form": review_form or ReviewForm(entry=entry, initial={"submission": latest}),
        },
        status=status,
    )


class EntryStepView(StaffRequiredMixin, View):
    """A ledger step posted from the entry page; a refused step says why on the page."""

    def post(self, request, pk):
        entry = get_entry(request.user, pk)
        try:
            return self.step(request, entry)
        except ValidationError as error:
            messages.error(request, _error_text(error))
            return self.refused(request, entry)

    def refused(self, request, entry):
        return redirect("framework:entry_detail", pk=entry.pk)


class AcknowledgeView(EntryStepView):
    """The unit confirms receipt (交办确认)."""

    def step(self, request, entry):
        services.acknowledge(request.user, entry)
        messages.success(request, _("Receipt confirmed."))
        return redirect("framework:entry_detail", pk=entry.pk)


class SubmitEvidenceView(EntryStepView):
    """The unit submits a new version of evidence for review."""

    def step(self, request, entry):
        form = SubmissionForm(request.POST, request.FILES, previous=_latest_submission(entry))
        if not form.is_valid():
            return render_entry(request, entry, submission_form=form)
        services.submit_evidence(
            request.user,
            entry,
            files=form.cleaned_data["files"],
            note=form.cleaned_data["note"],
            links=form.cleaned_data["links"],
            # Without earlier files the form has no such field: nothing to keep.
            kept_files=form.cleaned_data.get("kept_files", []),
        )
        messages.success(request, _("The evidence was submitted for review."))
        return redirect("framework:entry_detail", pk=entry.pk)

    def refused(self, request, entry):
        form = SubmissionForm(request.POST, previous=_latest_submission(entry))
        return render_entry(request, entry, submission_form=form)


def _latest_submission(entry):
    """The entry's latest version of evidence, whose files a new version may keep."""
    return entry.submissions.order_by("-version").first()


class ReviewView(EntryStepView):
    """The office passes, returns or fails the entry's submission."""

    def step(self, request, entry):
        form = ReviewForm(request.POST, entry=entry)
        if not form.is_valid():
            if "submission" in form.errors:
                raise ValidationError(form.errors["submission"])
            return render_entry(request, entry, review_form=form)
        services.review(
            request.user,
            form.cleaned_data["submission"],
            form.cleaned_data["outcome"],
            form.cleaned_data["reason"],
        )
        messages.success(request, _("The review was recorded."))
        return redirect("framework:entry_detail", pk=entry.pk)


ENTRY_STEP_VIEWS = {
    "acknowledge": AcknowledgeView.as_view(),
    "submit": SubmitEvidenceView.as_view(),
    "review": ReviewView.as_view(),
}


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


class EvidenceThumbnailView(StaffRequiredMixin, View):
    """A small JPEG preview of an evidence photo, to people who may see its ledger entry."""

    def get(self, request, pk):
        evidence = get_object_or_404(EvidenceFile.objects.select_related("submission"), pk=pk)
        if not selectors.entries_for(request.user).filter(pk=evidence.submission.entry_id).exists():
            raise Http404
        content = thumbnail(evidence)
        if content is None:
            raise Http404
        response = HttpResponse(content, content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=3600"
        response["X-Content-Type-Options"] = "nosniff"
        return response


class CompletionView(StaffRequiredMixin, View):
    """Leaders' view: completion rates by unit and by indicator, the unit ranking (红黑榜)
    and its chart, in SQL; Excel with ?export=xlsx."""

    def get(self, request):
        filterset = CompletionFilterSet(
            request.GET or None,
            queryset=LedgerEntry.objects.restrict(request.user),
            request=request,
        )
        entries = filterset.qs
        by_unit = list(selectors.completion_by(entries, "task__unit"))
        by_indicator = list(selectors.completion_by(entries, "task__indicator"))
        for row in by_unit + by_indicator:
            row["rate"] = selectors.completion_rate(row["passed"], row["due"])
        ranking = selectors.unit_ranking(by_unit)
        if request.GET.get("export") == "xlsx":
            return self.export(by_unit, by_indicator, ranking)
        return render(
            request,
            "framework/completion.html",
            {
                "filterset": filterset,
                "form": filterset.form,
                "by_unit": by_unit,
                "by_indicator": by_indicator,
                "ranking": ranking,
                "ranking_size": selectors.RANKING_SIZE,
                # Read by completion chart script through json_script: no inline script.
                "chart_data": {
                    "label": _("Completion rate (%)"),
                    "names": [unit.name for unit in ranking.ranked],
                    "rates": [float(unit.rate) for unit in ranking.ranked],
                },
            },
        )

    def export(self, by_unit, by_indicator, ranking):
        """Both tables as the page shows them, one after the other under one header."""
        headers = [
            _("Group"),
            _("Code"),
            _("Name"),
            _("Total"),
            _("Due"),
            _("Passed"),
            _("Completion rate (%)"),
            _("Rank"),
            _("Awaiting review"),
            _("Returned"),
            _("Failed"),
            _("Overdue"),
        ]
        ranks = {unit.unit_id: unit.rank for unit in ranking.ranked}
        groups = [
            (_("By unit"), "task__unit", by_unit),
            (_("By indicator"), "task__indicator", by_indicator),
        ]
        rows = (
            [
                group,
                row[f"{prefix}__code"] or "",
                row[f"{prefix}__name"] or "—",
                row["total"],
                row["due"],
                row["passed"],
                row["rate"],
                ranks.get(row["task__unit__id"], "") if prefix == "task__unit" else "",
                row["submitted"],
                row["returned"],
                row["failed"],
                row["overdue"],
            ]
            for group, prefix, group_rows in groups
            for row in group_rows
        )
        return xlsx_stream_response(
            _("Completion"),
            headers,
            rows,
            [10, 14, 30, 8, 8, 8, 10, 6, 10, 8, 8, 8],
            "completion",
        )


class LostPointsView(StaffRequiredMixin, View):
    """The level-3 indicators that lost points in a period, in points; Excel too."""

    def get(self, request, pk):
        framework = _framework(request.user, pk)
        today = timezone.localdate()
        query = request.GET.copy()
        query.pop("export", None)
        form = PeriodForm(query or {"start": date(today.year, 1, 1), "end": today})
        rows = []
        if form.is_valid():
            rows = selectors.lost_points(
                request.user,
                framework,
                period_start=form.cleaned_data["start"],
                period_end=form.cleaned_data["end"],
            )
            if request.GET.get("export") == "xlsx":
                return self.export(rows)
        return render(
            request,
            "framework/lost_points.html",
            {
                "framework": framework,
                "form": form,
                "rows": rows,
                "total_lost": sum((row.lost_points for row in rows), Decimal(0)),
            },
        )

    def export(self, rows):
        headers = [
            _("Code"),
            _("Indicator"),
            _("Points"),
            _("Entries"),
            _("Failed"),
            _("Overdue"),
            _("Points lost"),
            _("Units"),
        ]
        cells = (
            [
                row.code,
                row.name,
                row.points,
                row.entries,
                row.failed,
                row.overdue,
                row.lost_points,
                "、".join(row.units),
            ]
            for row in rows
        )
        return xlsx_stream_response(
            _("Lost points"), headers, cells, [12, 30, 8, 8, 8, 8, 10, 40], "lost-points"
        )


def default_ledger_period(today=None) -> dict:
    """The ledger package's default range: the whole current year, by period.

    An office packs a year's ledger for the assessment, and an entry approved today is in
    it whatever its deadline (one due next month was left out when the range ended today
    and filtered on deadlines).
    """
    today = today or timezone.localdate()
    return {"start": date(today.year, 1, 1), "end": date(today.year, 12, 31)}


class LedgerExportView(StaffRequiredMixin, View):
    """A unit's ledger for a period as a zip: streamed when small, else built in the background.

    GET with a unit and a range streams a package up to `LEDGER_ZIP_STREAM_MAX_BYTES`
    of evidence and offers a background build for a bigger one; POST queues that build.
    Why both: decisions/0012.
    """

    def get(self, request):
        if "unit" not in request.GET:
            form = LedgerExportForm(
                initial=default_ledger_period(), units=Unit.objects.restrict(request.user)
            )
            return self.page(request, form)
        form, plan = self.read(request, request.GET)
        if plan is None:
            return self.page(request, form, status=400)
        if not exports.is_small(plan):
            return self.page(request, form, plan=plan)
        unit = form.cleaned_data["unit"]
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        exports.record_streamed(request.user, unit, period_start=start, period_end=end, plan=plan)
        response = StreamingHttpResponse(
            exports.stream_ledger_zip(plan), content_type="application/zip"
        )
        filename = f"ledger-{unit.code}-{start:%Y%m%d}-{end:%Y%m%d}.zip"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def post(self, request):
        form, plan = self.read(request, request.POST)
        if plan is None:
            return self.page(request, form, status=400)
        package, is_new = exports.request_package(
            request.user,
            form.cleaned_data["unit"],
            period_start=form.cleaned_data["start"],
            period_end=form.cleaned_data["end"],
            plan=plan,
        )
        if is_new:
            transaction.on_commit(lambda: tasks.build_ledger_package.delay(package.pk))
        return redirect(package)

    def read(self, request, data):
        """The checked form and the package's plan, or the form and None when it is invalid."""
        form = LedgerExportForm(data, units=Unit.objects.restrict(request.user))
        if not form.is_valid():
            if form.has_error("unit", "invalid_choice"):
                # A unit outside the caller's scope answers as if it did not exist.
                raise Http404
            return form, None
        entries = exports.entries_in_period(
            request.user,
            form.cleaned_data["unit"],
            period_start=form.cleaned_data["start"],
            period_end=form.cleaned_data["end"],
        )
        return form, exports.plan_package(entries)

    def page(self, request, form, *, plan=None, status=200):
        packages = LedgerPackage.objects.restrict(request.user).select_related("unit")[:10]
        return render(
            request,
            "framework/ledger_export.html",
            {
                "form": form,
                "plan": plan,
                "units": _ledger_units(request.user),
                "packages": packages,
                "retention_hours": settings.LEDGER_PACKAGE_RETENTION_HOURS,
            },
            status=status,
        )


def _package(user, uuid):
    """The user's own ledger package; 404 for anyone else's."""
    return get_object_or_404(LedgerPackage.objects.restrict(user).select_related("unit"), uuid=uuid)


class LedgerPackageView(StaffRequiredMixin, View):
    """A package's progress; htmx polls the status part until it is ready."""

    def get(self, request, uuid):
        package = _package(request.user, uuid)
        context = {
            "package": package,
            "removal_time": package.finished_at + exports.retention()
            if package.finished_at
            else None,
        }
        if request.htmx:
            return render(request, "framework/includes/ledger_package_status.html", context)
        return render(request, "framework/ledger_package.html", context)


class LedgerPackageDownloadView(StaffRequiredMixin, View):
    """A built package, to its requester while they may still see every entry in it."""

    def get(self, request, uuid):
        package = _package(request.user, uuid)
        if package.status != LedgerPackage.Status.READY or not exports.may_download(
            request.user, package
        ):
            raise Http404
        exports.record_download(request.user, package)
        return FileResponse(
            package.file.open("rb"),
            as_attachment=True,
            filename=package.download_filename,
            content_type="application/zip",
        )
