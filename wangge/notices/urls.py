from django.urls import path

from wangge.notices import api

urlpatterns = [
    path("notices/", api.NoticeListView.as_view(), name="api-notices"),
    path("notices/subscriptions/", api.SubscriptionView.as_view(), name="api-notice-subscriptions"),
    path("notices/<int:pk>/", api.NoticeDetailView.as_view(), name="api-notice"),
    path("notices/<int:pk>/read/", api.NoticeReadView.as_view(), name="api-notice-read"),
    path(
        "notices/<int:pk>/withdraw/", api.NoticeWithdrawView.as_view(), name="api-notice-withdraw"
    ),
]
