"""Pages of community life, under /community/ (namespace `community`)."""

from django.urls import path

from wangge.community import views

app_name = "community"

urlpatterns = [
    path("services/", views.services, name="services"),
    path("services/<int:item_id>/order/", views.order_new, name="order-new"),
    path("my/", views.my_orders, name="my-orders"),
    path("orders/<str:code>/", views.order_detail, name="order"),
    path("orders/<str:code>/contact/", views.order_contact, name="order-contact"),
    path("orders/<str:code>/do/<str:action>/", views.order_act, name="order-act"),
    path("serve/", views.serve, name="serve"),
    path("desk/", views.desk, name="desk"),
]
