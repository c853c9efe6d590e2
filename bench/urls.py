"""The product's URLs plus, under /bench/, the comparison views of `bench.api_lists`."""

from django.urls import path

from bench import views
from wenming.urls import urlpatterns as product_urlpatterns

urlpatterns = [
    *(
        path(f"bench/{name}/drf/", view, name=f"bench-{name}-drf")
        for name, view in views.BARE_DRF_VIEWS.items()
    ),
    *(
        path(f"bench/{name}/values/", view, name=f"bench-{name}-values")
        for name, view in views.VALUES_VIEWS.items()
    ),
    *product_urlpatterns,
]
