from django.urls import path

from wangge.web import views

app_name = "web"

urlpatterns = [
    path("console/map/", views.grid_map, name="grid-map"),
    path("console/map/grids/<str:code>/", views.grid_card, name="grid-card"),
]
