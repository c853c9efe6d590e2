"""The staff home: who you are here and what your scope holds."""

from django.db.models import Count
from django.views.generic import TemplateView

from wenming.core.views import StaffRequiredMixin
from wenming.regions.models import Region, Unit
from wenming.regions.scoping import memberships


class StaffHomeView(StaffRequiredMixin, TemplateView):
    """Roles, places and counts of the regions and units in the user's scope."""

    template_name = "dashboard/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        level_counts = dict(
            Region.objects.restrict(user, "view")
            .values_list("level")
            .annotate(count=Count("id"))
            .values_list("level", "count")
        )
        context["level_rows"] = [
            (label, level_counts.get(value, 0)) for value, label in Region.Level.choices
        ]
        context["unit_count"] = Unit.objects.restrict(user, "view").count()
        context["memberships"] = memberships(user)
        return context
