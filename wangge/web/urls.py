from django.urls import path

from wangge.web import case_views, console_tools, views

app_name = "web"

urlpatterns = [
    # Residents (no sign-in needed to report or to look a case up).
    path("report/", case_views.report, name="report"),
    path("report/suggest/", case_views.suggest, name="report-suggest"),
    path("report/grids.geojson", case_views.grid_outlines, name="grid-outlines"),
    path("report/buildings.geojson", case_views.map_buildings, name="map-buildings"),
    path("report/where/", case_views.map_where, name="map-where"),
    path("report/locate/", case_views.map_locate, name="map-locate"),
    path("report/done/<str:code>/", case_views.report_done, name="report-done"),
    path("track/", case_views.track, name="track"),
    path("track/<str:code>/", case_views.track_case, name="track-case"),
    path("track/<str:code>/answer/", case_views.resident_act, name="resident-act"),
    path("my/", case_views.my_cases, name="my-cases"),
    # Grid workers.
    path("grid-work/", case_views.worker_queue, name="worker-queue"),
    path("grid-work/queue/", case_views.worker_queue_fragment, name="worker-queue-fragment"),
    path("grid-work/patrol/", case_views.patrol, name="patrol"),
    path("grid-work/history/", console_tools.worker_history, name="worker-history"),
    # Any staff with the case in scope.
    path("cases/<str:code>/", case_views.case_detail, name="case"),
    path("cases/<str:code>/claim/", case_views.claim, name="claim"),
    path("cases/<str:code>/do/<str:action>/", case_views.case_act, name="case-act"),
    # Centre console.
    path("console/", case_views.console, name="console"),
    path("console/phone/", case_views.phone_entry, name="phone-entry"),
    path("console/address/resolve/", console_tools.address_resolve, name="address-resolve"),
    path("console/grids/pick/", console_tools.grid_pick, name="grid-pick"),
    path("console/map/", views.grid_map, name="grid-map"),
    path("console/map/grids/<str:code>/", views.grid_card, name="grid-card"),
]
