"""Public pages for residents."""

from django.views.generic import TemplateView


class PortalHomeView(TemplateView):
    """The public front page: what the campaign is and where residents take part."""

    template_name = "portal/home.html"
