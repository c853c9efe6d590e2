from django.urls import path, re_path

from wenming.core.imports import ImportView
from wenming.regions import importers, pickers, views

app_name = "regions"
urlpatterns = [
    path("regions/", views.RegionListView.as_view(), name="region_list"),
    path("regions/<int:pk>/", views.RegionDetailView.as_view(), name="region_detail"),
    path("regions/<int:pk>/children/", views.RegionChildrenView.as_view(), name="region_children"),
    path("units/", views.UnitListView.as_view(), name="unit_list"),
    path("units/<int:pk>/", views.UnitDetailView.as_view(), name="unit_detail"),
    re_path(
        rf"^import/(?P<kind>{importers.RegionImporter.kind}|{importers.UnitImporter.kind})/$",
        ImportView.as_view(),
        name="import",
    ),
    path("people/", views.PeopleListView.as_view(), name="people_list"),
    path("people/new/", views.PersonCreateView.as_view(), name="person_create"),
    path("pick/<slug:kind>/", pickers.PickerView.as_view(), name="picker"),
    path(
        "people/roles/<int:pk>/end/", views.RevokeMembershipView.as_view(), name="membership_revoke"
    ),
]
