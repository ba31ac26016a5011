"""Pages of the base data and the care ledger, under /people/ (namespace `people`)."""

from django.urls import path

from wangge.people import views

app_name = "people"

urlpatterns = [
    path("residents/", views.resident_list, name="residents"),
    path("residents/<int:pk>/", views.resident_detail, name="resident"),
    path("residents/<int:pk>/reveal/", views.resident_reveal, name="resident-reveal"),
    path("buildings/", views.building_list, name="buildings"),
    path("buildings/<int:pk>/", views.building_detail, name="building"),
    path("households/<int:pk>/", views.household_edit, name="household"),
    path("organisations/", views.organisation_list, name="organisations"),
    path("organisations/new/", views.organisation_form, name="organisation-new"),
    path("organisations/<int:pk>/", views.organisation_form, name="organisation"),
    path("assets/", views.asset_list, name="assets"),
    path("assets/new/", views.asset_form, name="asset-new"),
    path("assets/<int:pk>/", views.asset_form, name="asset"),
    path("places/", views.place_list, name="places"),
    path("places/new/", views.place_form, name="place-new"),
    path("places/<int:pk>/", views.place_form, name="place"),
    path("imports/", views.import_index, name="imports"),
    path("imports/map/<str:token>/", views.import_map, name="import-map"),
    path("imports/<int:pk>/", views.import_job, name="import-job"),
    path("imports/<int:pk>/progress/", views.import_job_progress, name="import-progress"),
    path("imports/<int:pk>/rejects.xlsx", views.import_rejects, name="import-rejects"),
    path("imports/hotline/", views.hotline_import, name="hotline-import"),
    path("imports/hotline/<int:pk>/", views.hotline_import_detail, name="hotline-import-detail"),
    path(
        "imports/hotline/<int:pk>/rejects.xlsx",
        views.hotline_import_rejects,
        name="hotline-import-rejects",
    ),
    path("care/", views.care_due, name="care"),
    path("care/visit/<int:resident_pk>/", views.visit_new, name="visit-new"),
    path("journal/", views.journal, name="journal"),
]
