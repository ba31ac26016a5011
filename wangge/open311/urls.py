from django.urls import re_path

from wangge.open311 import views

FMT = r"\.(?P<fmt>[a-z]+)$"
ID = r"(?P<{}>[^/]+?)"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="open311-discovery"),
    re_path(r"^services" + FMT, views.services, name="open311-services"),
    re_path(
        r"^services/" + ID.format("code") + FMT, views.service_definition, name="open311-definition"
    ),
    re_path(r"^requests" + FMT, views.requests_, name="open311-requests"),
    re_path(
        r"^requests/" + ID.format("request_id") + FMT, views.request_detail, name="open311-request"
    ),
    re_path(r"^tokens/" + ID.format("token") + FMT, views.token, name="open311-token"),
    re_path(r"^(?P<rest>.*)$", views.not_found, name="open311-not-found"),
]
