from django.urls import path

from wangge.grids import api

urlpatterns = [
    path("grids/", api.GridListView.as_view(), name="api-grid-list"),
    path("grids/import/", api.GridImportView.as_view(), name="api-grid-import"),
    path("grids/export/", api.GridExportView.as_view(), name="api-grid-export"),
    path("grids/<str:code>/", api.GridDetailView.as_view(), name="api-grid-detail"),
    path("locate/", api.LocateView.as_view(), name="api-locate"),
    path("departments/", api.DepartmentListView.as_view(), name="api-department-list"),
]
