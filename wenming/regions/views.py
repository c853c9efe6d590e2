"""Region and unit pages: scoped lists, details, Excel export (import: core.imports)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, ListView

from wenming.core.masking import can_see_personal_data
from wenming.core.permissions import can
from wenming.core.views import StaffRequiredMixin, xlsx_response
from wenming.regions import importers, services
from wenming.regions.filters import RegionFilterSet, UnitFilterSet
from wenming.regions.forms import PersonForm
from wenming.regions.models import Membership, Region, Unit


class FilteredListView(StaffRequiredMixin, ListView):
    """A scoped list narrowed by a FilterSet; `?export=xlsx` downloads the same rows."""

    filterset_class = None
    paginate_by = 50

    def base_queryset(self):
        return self.model.objects.restrict(self.request.user, "view")

    def get_queryset(self):
        self.filterset = self.filterset_class(
            self.request.GET or None, queryset=self.base_queryset()
        )
        for field in self.filterset.form.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            field.widget.attrs.setdefault("class", "form-select" if is_select else "form-control")
        return self.filterset.qs

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            return self.export()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filterset"] = self.filterset
        context["can_import"] = can(self.request.user, "regions.add_region")
        return context


class RegionListView(FilteredListView):
    """Regions in the user's scope."""

    model = Region
    filterset_class = RegionFilterSet
    template_name = "regions/region_list.html"

    def base_queryset(self):
        return super().base_queryset().select_related("parent")

    def export(self):
        return xlsx_response(importers.export_regions(self.get_queryset()), "regions")


class RegionDetailView(StaffRequiredMixin, DetailView):
    """One region: its place in the tree, its children and its units."""

    template_name = "regions/region_detail.html"

    def get_queryset(self):
        return Region.objects.restrict(self.request.user, "view").select_related("parent")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        region = self.object
        visible = Region.objects.restrict(self.request.user, "view")
        context["ancestors"] = visible.filter(code__in=region.ancestor_codes()[:-1]).order_by(
            "depth"
        )
        context["children"] = visible.filter(parent=region).annotate(child_count=Count("children"))
        context["units"] = Unit.objects.restrict(self.request.user, "view").filter(region=region)
        context["subtree_counts"] = (
            visible.subtree(region, include_self=False)
            .values("level")
            .annotate(count=Count("id"))
            .order_by("level")
        )
        context["level_names"] = dict(Region.Level.choices)
        return context


class UnitListView(FilteredListView):
    """Units in the user's scope."""

    model = Unit
    filterset_class = UnitFilterSet
    template_name = "regions/unit_list.html"

    def base_queryset(self):
        return super().base_queryset().select_related("region", "parent")

    def export(self):
        return xlsx_response(
            importers.export_units(self.get_queryset(), self.request.user), "units"
        )


class UnitDetailView(StaffRequiredMixin, DetailView):
    """One unit: its region, parent, sub-units and contacts."""

    template_name = "regions/unit_detail.html"

    def get_queryset(self):
        return Unit.objects.restrict(self.request.user, "view").select_related("region", "parent")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["children"] = Unit.objects.restrict(self.request.user, "view").filter(
            parent=self.object
        )
        return context


class PeopleListView(StaffRequiredMixin, ListView):
    """Roles held in the user's scope: who holds which role where."""

    template_name = "regions/people_list.html"
    paginate_by = 50

    def get_queryset(self):
        from django.db.models import Q

        queryset = (
            Membership.objects.restrict(self.request.user, "view")
            .select_related("user", "region", "unit")
            .order_by("region__path", "role", "user__username")
        )
        self.role = self.request.GET.get("role", "")
        self.query = self.request.GET.get("q", "").strip()[:50]
        if self.role in Membership.Role.values:
            queryset = queryset.filter(role=self.role)
        if self.query:
            match = Q(user__username__icontains=self.query) | Q(
                user__full_name__icontains=self.query
            )
            # Searching by whole number would confirm numbers the user only sees masked.
            if can_see_personal_data(self.request.user):
                match |= Q(user__mobile=self.query)
            queryset = queryset.filter(match)
        if self.request.GET.get("inactive") != "1":
            queryset = queryset.filter(is_active=True)
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["roles"] = Membership.Role.choices
        context["role"] = self.role
        context["query"] = self.query
        context["can_manage"] = can(self.request.user, "regions.manage_people")
        return context


class PersonCreateView(StaffRequiredMixin, View):
    """An office admin adds a person with their first role."""

    template_name = "regions/person_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can(request.user, "regions.manage_people"):
            raise PermissionDenied(_("Only an office admin adds people."))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(request, self.template_name, {"form": PersonForm(user=request.user)})

    def post(self, request):
        form = PersonForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                person = services.add_person(
                    request.user,
                    role=data["role"],
                    region=data["region"],
                    unit=data["unit"],
                    title=data["title"],
                    username=data["username"],
                    password=data["password"],
                    full_name=data["full_name"],
                    mobile=data["mobile"] or None,
                    email=data["email"],
                )
            except PermissionDenied as error:
                form.add_error("place_code", str(error))
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("%(name)s was added.") % {"name": person})
                return redirect("regions:people_list")
        return render(request, self.template_name, {"form": form})


class RevokeMembershipView(StaffRequiredMixin, View):
    """End one role (POST); the person and the history stay."""

    def post(self, request, pk):
        membership = get_object_or_404(Membership.objects.restrict(request.user, "view"), pk=pk)
        services.revoke_membership(request.user, membership)
        messages.success(request, _("The role was ended."))
        return redirect("regions:people_list")
