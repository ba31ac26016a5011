from django.urls import path

from wangge.web import (
    case_views,
    console_tools,
    followup_views,
    reply_views,
    resident_views,
    views,
)

app_name = "web"

urlpatterns = [
    # Residents (no sign-in needed to report or to look a case up).
    path("report/", case_views.report, name="report"),
    path("report/suggest/", case_views.suggest, name="report-suggest"),
    path("report/nearby/", resident_views.nearby, name="report-nearby"),
    path("report/grids.geojson", case_views.grid_outlines, name="grid-outlines"),
    path("report/buildings.geojson", case_views.map_buildings, name="map-buildings"),
    path("report/where/", case_views.map_where, name="map-where"),
    path("report/locate/", case_views.map_locate, name="map-locate"),
    path("report/done/<str:code>/", resident_views.report_done, name="report-done"),
    path("track/", resident_views.track, name="track"),
    path("track/<str:code>/", resident_views.track_case, name="track-case"),
    path("track/<str:code>/k/<str:token>/", resident_views.track_link, name="track-link"),
    path("track/<str:code>/answer/", resident_views.track_answer, name="track-answer"),
    path("track/<str:code>/info/", resident_views.track_info, name="track-info"),
    path("track/<str:code>/sms/", resident_views.track_sms_send, name="track-sms"),
    path("track/<str:code>/sms/check/", resident_views.track_sms_check, name="track-sms-check"),
    path("track/<str:code>/follow/", resident_views.track_follow, name="track-follow"),
    path("my/", case_views.my_cases, name="my-cases"),
    # Grid workers.
    path("grid-work/", case_views.worker_queue, name="worker-queue"),
    path("grid-work/queue/", case_views.worker_queue_fragment, name="worker-queue-fragment"),
    path("grid-work/patrol/", case_views.patrol, name="patrol"),
    path("grid-work/history/", console_tools.worker_history, name="worker-history"),
    # Any staff with the case in scope.
    path("cases/<str:code>/", case_views.case_detail, name="case"),
    path("cases/<str:code>/claim/", case_views.claim, name="claim"),
    path("cases/<str:code>/contact/", case_views.case_contact, name="case-contact"),
    path("cases/<str:code>/do/<str:action>/", case_views.case_act, name="case-act"),
    # Centre console.
    path("console/", case_views.console, name="console"),
    path("console/phone/", case_views.phone_entry, name="phone-entry"),
    path("console/follow-ups/", followup_views.follow_ups, name="follow-ups"),
    path(
        "console/follow-ups/<int:task_id>/",
        followup_views.follow_up_record,
        name="follow-up-record",
    ),
    path("console/replies/", reply_views.reply_templates, name="reply-templates"),
    path("console/replies/<int:pk>/", reply_views.reply_templates, name="reply-template"),
    path("console/address/resolve/", console_tools.address_resolve, name="address-resolve"),
    path("console/grids/pick/", console_tools.grid_pick, name="grid-pick"),
    path("console/map/", views.grid_map, name="grid-map"),
    path("console/map/grids/<str:code>/", views.grid_card, name="grid-card"),
]
