from django.urls import path

from wangge.funds import views

app_name = "funds"

urlpatterns = [
    path("", views.home, name="home"),
    path("requests/new/", views.request_new, name="request-new"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("accounts/<int:pk>/statement.xlsx", views.statement, name="statement"),
]
