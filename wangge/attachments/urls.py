from django.urls import path

from wangge.attachments import api

urlpatterns = [
    path("attachments/", api.AttachmentUploadView.as_view(), name="api-attachment-upload"),
    path(
        "attachments/<uuid:pk>/",
        api.AttachmentDetailView.as_view(),
        name="api-attachment-detail",
    ),
]
