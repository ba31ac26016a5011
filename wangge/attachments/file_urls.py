"""Mounted at /attachments/ (outside the API): the photo files themselves."""

from django.urls import path

from wangge.attachments import views

app_name = "attachments"

urlpatterns = [
    path("<uuid:pk>/", views.attachment_file, name="file"),
    path("<uuid:pk>/thumb/", views.attachment_thumb, name="thumb"),
]
