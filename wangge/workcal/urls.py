from django.urls import path

from wangge.workcal import api

urlpatterns = [
    path("workcal/days/", api.CalendarDaysView.as_view(), name="api-workcal-days"),
    path("workcal/deadline/", api.DeadlinePreviewView.as_view(), name="api-workcal-deadline"),
]
