from django.urls import path

from wangge.council import views

app_name = "council"

urlpatterns = [
    path("", views.home, name="home"),
    path("desk/", views.desk, name="desk"),
    path("decisions/", views.decisions, name="decisions"),
    path("meetings/<int:pk>/", views.meeting_desk, name="meeting"),
    path("meetings/<int:pk>/minutes/", views.minutes, name="minutes"),
    path("meetings/<int:pk>/sign-in/", views.sign_in, name="sign-in"),
    path("topics/<int:pk>/", views.topic_detail, name="topic"),
    path("from-case/<str:code>/", views.from_case, name="from-case"),
]
