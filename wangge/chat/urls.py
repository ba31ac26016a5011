from django.urls import path

from wangge.chat.api import ChatWebhookView

urlpatterns = [
    path("chat/webhook/", ChatWebhookView.as_view(), name="chat-webhook"),
]
