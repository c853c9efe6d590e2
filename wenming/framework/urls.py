from django.urls import path

from wenming.core.imports import ImportView
from wenming.framework import importers, views

app_name = "framework"
urlpatterns = [
    path("frameworks/", views.FrameworkListView.as_view(), name="framework_list"),
    path("frameworks/<int:pk>/", views.FrameworkDetailView.as_view(), name="framework_detail"),
    path(
        "frameworks/<int:pk>/import/",
        ImportView.as_view(),
        {"kind": importers.FrameworkImporter.kind},
        name="framework_import",
    ),
    path(
        "frameworks/<int:pk>/export/", views.FrameworkExportView.as_view(), name="framework_export"
    ),
    path("frameworks/<int:pk>/assign/", views.AssignView.as_view(), name="framework_assign"),
    path("frameworks/<int:pk>/lost-points/", views.LostPointsView.as_view(), name="lost_points"),
    path("frameworks/<int:pk>/copy/", views.FrameworkCopyView.as_view(), name="framework_copy"),
    path(
        "frameworks/<int:pk>/activate/",
        views.FrameworkActivateView.as_view(),
        name="framework_activate",
    ),
    path("tasks/", views.TaskListView.as_view(), name="task_list"),
    path("tasks/mine/", views.TaskListView.as_view(mine=True), name="my_tasks"),
    path("tasks/new/", views.TaskCreateView.as_view(), name="task_create"),
    path("tasks/completion/", views.CompletionView.as_view(), name="completion"),
    path("tasks/<int:pk>/", views.EntryDetailView.as_view(), name="entry_detail"),
    path("tasks/<int:pk>/acknowledge/", views.AcknowledgeView.as_view(), name="entry_acknowledge"),
    path("tasks/<int:pk>/submit/", views.SubmitEvidenceView.as_view(), name="entry_submit"),
    path("tasks/<int:pk>/review/", views.ReviewView.as_view(), name="entry_review"),
    path("evidence/<int:pk>/", views.EvidenceDownloadView.as_view(), name="evidence_download"),
    path(
        "evidence/<int:pk>/thumbnail/",
        views.EvidenceThumbnailView.as_view(),
        name="evidence_thumbnail",
    ),
    path("tasks/task/<int:pk>/edit/", views.TaskEditView.as_view(), name="task_edit"),
    path("tasks/task/<int:pk>/cancel/", views.TaskCancelView.as_view(), name="task_cancel"),
    path("ledger/export/", views.LedgerExportView.as_view(), name="ledger_export"),
    path("ledger/packages/<uuid:uuid>/", views.LedgerPackageView.as_view(), name="ledger_package"),
    path(
        "ledger/packages/<uuid:uuid>/download/",
        views.LedgerPackageDownloadView.as_view(),
        name="ledger_package_download",
    ),
]
