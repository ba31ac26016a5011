from django.urls import path

from wangge.exports import views

app_name = "exports"

urlpatterns = [
    path("", views.export_list, name="list"),
    path("new/", views.export_create, name="create"),
    path("<int:pk>/", views.export_job, name="job"),
    path("<int:pk>/progress/", views.export_progress, name="progress"),
]
