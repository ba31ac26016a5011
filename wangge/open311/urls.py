from django.urls import re_path

from wangge.open311 import views

FMT = r"\.(?P<fmt>[a-z]+)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="open311-discovery"),
    re_path(r"^(?P<rest>.*)$", views.not_found, name="open311-not-found"),
]
