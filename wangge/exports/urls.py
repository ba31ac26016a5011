from django.urls import path

from wangge.exports import api

urlpatterns = [
    path("exports/", api.ExportJobListView.as_view(), name="api-export-list"),
    path("exports/<int:pk>/", api.ExportJobDetailView.as_view(), name="api-export-detail"),
    path(
        "exports/<int:pk>/download/", api.ExportDownloadView.as_view(), name="api-export-download"
    ),
]
