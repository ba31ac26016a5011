from django.urls import path

from wangge.stats import views

app_name = "stats"

urlpatterns = [
    path("", views.cockpit, name="cockpit"),
]
