from django.urls import path

from wangge.community import api

urlpatterns = [
    path("community/services/", api.CatalogueView.as_view(), name="api-community-services"),
    path("community/orders/", api.OrderListView.as_view(), name="api-community-orders"),
    path("community/orders/<str:code>/", api.OrderDetailView.as_view(), name="api-order-detail"),
    path(
        "community/orders/<str:code>/contact/",
        api.OrderContactView.as_view(),
        name="api-order-contact",
    ),
    path(
        "community/orders/<str:code>/actions/<str:action>/",
        api.OrderActionView.as_view(),
        name="api-order-action",
    ),
    path(
        "community/cases/<str:tracking_code>/order/",
        api.OrderFromCaseView.as_view(),
        name="api-order-from-case",
    ),
    path("community/party-members/", api.PartyMemberListView.as_view(), name="api-party-members"),
    path("community/volunteers/", api.VolunteerListView.as_view(), name="api-volunteers"),
    path("community/teams/", api.TeamListView.as_view(), name="api-teams"),
    path("community/hours/", api.HoursRecordView.as_view(), name="api-hours"),
    path("community/me/", api.MeView.as_view(), name="api-community-me"),
    path("community/resident-accounts/", api.BindView.as_view(), name="api-resident-bind"),
]
