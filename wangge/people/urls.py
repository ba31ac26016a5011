from django.urls import path

from wangge.people import api

urlpatterns = [
    path("people/buildings/", api.BuildingListView.as_view(), name="api-building-list"),
    path(
        "people/buildings/<int:pk>/", api.BuildingDetailView.as_view(), name="api-building-detail"
    ),
    path("people/address/resolve/", api.AddressResolveView.as_view(), name="api-address-resolve"),
    path("people/residents/", api.ResidentListView.as_view(), name="api-resident-list"),
    path("people/residents/lookup/", api.ResidentLookupView.as_view(), name="api-resident-lookup"),
    path(
        "people/residents/<int:pk>/", api.ResidentDetailView.as_view(), name="api-resident-detail"
    ),
    path(
        "people/residents/<int:pk>/reveal/",
        api.ResidentRevealView.as_view(),
        name="api-resident-reveal",
    ),
    path("people/care/levels/", api.CareLevelListView.as_view(), name="api-care-levels"),
    path("people/care/", api.CareEnrolView.as_view(), name="api-care-enrol"),
    path("people/care/due/", api.CareDueListView.as_view(), name="api-care-due"),
    path("people/visits/", api.VisitListView.as_view(), name="api-visit-list"),
    path("people/journal/", api.JournalListView.as_view(), name="api-journal-list"),
    path("people/imports/preview/", api.ImportPreviewView.as_view(), name="api-import-preview"),
    path("people/imports/", api.ImportJobCreateView.as_view(), name="api-import-create"),
    path("people/imports/<int:pk>/", api.ImportJobDetailView.as_view(), name="api-import-detail"),
    path(
        "people/imports/<int:pk>/rejects.xlsx",
        api.ImportRejectsView.as_view(),
        name="api-import-rejects",
    ),
    path("people/export/", api.ExportView.as_view(), name="api-resident-export"),
    path("people/assets/owner/", api.AssetOwnerView.as_view(), name="api-asset-owner"),
    path("people/organisations/", api.OrganisationListView.as_view(), name="api-org-list"),
    path(
        "people/organisations/<int:pk>/",
        api.OrganisationDetailView.as_view(),
        name="api-org-detail",
    ),
    path(
        "people/organisations/<int:pk>/contact/",
        api.OrganisationContactView.as_view(),
        name="api-org-contact",
    ),
    path("people/assets/", api.AssetListView.as_view(), name="api-asset-list"),
    path("people/assets/<int:pk>/", api.AssetDetailView.as_view(), name="api-asset-detail"),
    path("people/places/", api.PlaceListView.as_view(), name="api-place-list"),
    path("people/places/<int:pk>/", api.PlaceDetailView.as_view(), name="api-place-detail"),
]
