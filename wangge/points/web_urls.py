"""Pages of civility points and the points store, under /points/ (namespace `points`)."""

from django.urls import path

from wangge.points import views

app_name = "points"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("redeem/<int:goods_id>/", views.redeem, name="redeem"),
    path("store/", views.store, name="store"),
    path("inspection/", views.inspection, name="inspection"),
    path("reports/", views.reports, name="reports"),
]
