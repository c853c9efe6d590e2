"""Every API endpoint has its generated tests: a new endpoint without them fails here."""

import importlib
import pkgutil

from django.urls import reverse

import tests.api
from tests.api.base import EndpointTests
from wenming.api.urls import router, urlpatterns

# The schema and its two viewers are documentation pages, tested in
# tests/core/test_pages_i18n.py and tests/browser/test_api_docs.py.
DOCUMENTATION = {"schema", "docs", "redoc"}


def declared() -> list[type[EndpointTests]]:
    for module in pkgutil.iter_modules(tests.api.__path__):
        if module.name.startswith("test_"):
            importlib.import_module(f"tests.api.{module.name}")
    found, pending = [], list(EndpointTests.__subclasses__())
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def test_every_router_endpoint_has_generated_tests():
    registered = {(f"/api/{prefix}/", basename) for prefix, _view, basename in router.registry}
    tested = {(cls.list_path, cls.basename) for cls in declared() if cls.basename}
    assert tested == registered


def test_every_other_api_path_has_generated_tests():
    paths = {
        reverse(f"api:{pattern.name}")
        for pattern in urlpatterns
        if getattr(pattern, "name", None) and pattern.name not in DOCUMENTATION
    }
    assert {cls.list_path for cls in declared() if cls.basename is None} == paths
