from django.urls import path

from wangge.notify import api

urlpatterns = [
    path("inbox/", api.InboxListView.as_view(), name="api-inbox-list"),
    path("inbox/unread-count/", api.InboxUnreadCountView.as_view(), name="api-inbox-unread"),
    path("inbox/read/", api.InboxMarkReadView.as_view(), name="api-inbox-mark-read"),
    path("inbox/<int:pk>/read/", api.InboxItemReadView.as_view(), name="api-inbox-item-read"),
]
