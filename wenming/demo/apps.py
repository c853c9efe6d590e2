from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo city 示范市: builds every app's demo data in one command (load_demo).

    It sits above every domain app, so a new app adds its demo step here without core
    importing domain code.
    """

    name = "wenming.demo"
    label = "demo"
    verbose_name = _("Demo city")
