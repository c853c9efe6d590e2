"""Region and unit pages: scoped lists, details, Excel export (import: core.imports)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Concat
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView

from wenming.core.fields import PATH_UPPER_SENTINEL
from wenming.core.masking import can_see_personal_data, mask_mobile
from wenming.core.permissions import can
from wenming.core.views import FilteredListView, StaffRequiredMixin, xlsx_response
from wenming.regions import importers, services
from wenming.regions.filters import MembershipFilterSet, RegionFilterSet, UnitFilterSet
from wenming.regions.forms import PersonForm
from wenming.regions.models import Membership, Region, Unit


class PlaceListView(FilteredListView):
    """The region and unit lists: a filtered list with the import button."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_import"] = can(self.request.user, "regions.add_region")
        return context


TREE_CHILDREN_LIMIT = 200


def tree_nodes(user, queryset):
    """Regions with the counts a tree node shows, each a subquery through `restrict`.

    `child_count`: the visible regions directly beneath; `unit_count`: the visible units
    anywhere in the node's subtree (a range on the region path, as `__within` is).
    """
    visible = Region.objects.restrict(user, "view")
    children = (
        visible.filter(parent=OuterRef("pk"))
        .order_by()
        .values("parent")
        .annotate(count=Count("id"))
        .values("count")
    )
    units = (
        Unit.objects.restrict(user, "view")
        .filter(
            region__path__gte=OuterRef("path"),
            region__path__lt=Concat(OuterRef("path"), Value(PATH_UPPER_SENTINEL)),
        )
        .order_by()
        .annotate(group=Value(1))
        .values("group")
        .annotate(count=Count("id"))
        .values("count")
    )
    return queryset.annotate(
        child_count=Coalesce(Subquery(children), 0),
        unit_count=Coalesce(Subquery(units), 0),
    ).order_by("path")


class RegionListView(PlaceListView):
    """Regions in the user's scope: a tree that opens level by level; a search, a filter
    or `?view=list` shows the flat list, which `?export=xlsx` downloads."""

    model = Region
    filterset_class = RegionFilterSet
    template_name = "regions/region_list.html"

    def base_queryset(self):
        return super().base_queryset().select_related("parent")

    def export(self):
        return xlsx_response(importers.export_regions(self.get_queryset()), "regions")

    def get(self, request, *args, **kwargs):
        if request.GET:
            return super().get(request, *args, **kwargs)
        return self.tree(request)

    def tree(self, request):
        """The top regions of the user's scope; their children load when opened."""
        user = request.user
        visible = Region.objects.restrict(user, "view")
        self.get_queryset()  # the search form above the tree, styled like the list's
        roots = tree_nodes(
            user, visible.filter(Q(parent__isnull=True) | ~Q(parent__in=visible.values("pk")))
        )
        level_counts = dict(visible.order_by().values_list("level").annotate(count=Count("id")))
        return render(
            request,
            self.template_name,
            {
                "tree": True,
                "roots": roots,
                "filterset": self.filterset,
                "can_import": can(user, "regions.add_region"),
                "level_rows": [
                    (value, label, level_counts.get(value, 0))
                    for value, label in Region.Level.choices
                ],
            },
        )


class RegionChildrenView(StaffRequiredMixin, View):
    """The children of one region as tree nodes (htmx loads them when a node opens)."""

    def get(self, request, pk):
        visible = Region.objects.restrict(request.user, "view")
        parent = get_object_or_404(visible, pk=pk)
        nodes = list(
            tree_nodes(request.user, visible.filter(parent=parent))[: TREE_CHILDREN_LIMIT + 1]
        )
        return render(
            request,
            "regions/includes/tree_nodes.html",
            {
                "nodes": nodes[:TREE_CHILDREN_LIMIT],
                "more": len(nodes) > TREE_CHILDREN_LIMIT,
                "parent": parent,
            },
        )


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


class UnitListView(PlaceListView):
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


class PeopleListView(FilteredListView):
    """Roles held in the user's scope: who holds which role where; `?export=xlsx` too."""

    model = Membership
    filterset_class = MembershipFilterSet
    template_name = "regions/people_list.html"
    export_title = gettext_lazy("People")
    export_filename = "people"
    export_headers = [
        gettext_lazy("Name"),
        gettext_lazy("Username"),
        gettext_lazy("Mobile number"),
        gettext_lazy("Role"),
        gettext_lazy("Job title"),
        gettext_lazy("Where"),
        gettext_lazy("Active"),
    ]
    export_widths = [14, 16, 14, 12, 16, 30, 8]

    def base_queryset(self):
        return (
            super()
            .base_queryset()
            .select_related("user", "region", "unit")
            .order_by("region__path", "role", "user__username", "id")
        )

    def export(self):
        self.show_whole_numbers = can_see_personal_data(self.request.user)
        return super().export()

    def export_row(self, membership):
        mobile = membership.user.mobile or ""
        return [
            membership.user.full_name,
            membership.user.username,
            mobile if self.show_whole_numbers else mask_mobile(mobile),
            str(membership.get_role_display()),
            membership.title,
            str(membership.place),
            _("Yes") if membership.is_active else _("No"),
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
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
