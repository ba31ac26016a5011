from django.urls import path

from wangge.hotline import api

urlpatterns = [
    path("hotline/sources/<slug:code>/orders/", api.PushView.as_view(), name="hotline-push"),
    path("hotline/sources/<slug:code>/imports/", api.ImportView.as_view(), name="hotline-import"),
    path("hotline/sources/<slug:code>/replies/", api.RepliesView.as_view(), name="hotline-replies"),
    path("hotline/imports/<int:pk>/", api.ImportDetailView.as_view(), name="hotline-import-detail"),
    path("phone/cases/", api.PhoneCaseView.as_view(), name="phone-case"),
]
