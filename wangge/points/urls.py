from django.urls import path

from wangge.points import api

urlpatterns = [
    path("points/rules/", api.RuleListView.as_view(), name="api-points-rules"),
    path("points/me/", api.MyPointsView.as_view(), name="api-points-me"),
    path(
        "points/households/<int:household_id>/",
        api.HouseholdPointsView.as_view(),
        name="api-points-household",
    ),
    path("points/awards/", api.AwardView.as_view(), name="api-points-award"),
    path(
        "points/entries/<int:entry_id>/correct/",
        api.CorrectView.as_view(),
        name="api-points-correct",
    ),
    path("points/inspections/", api.InspectionView.as_view(), name="api-points-inspections"),
    path("points/stores/", api.StoreListView.as_view(), name="api-points-stores"),
    path("points/stores/<int:store_id>/goods/", api.GoodsListView.as_view(), name="api-goods"),
    path("points/goods/<int:goods_id>/restock/", api.RestockView.as_view(), name="api-restock"),
    path("points/redemptions/", api.RedemptionListView.as_view(), name="api-redemptions"),
    path(
        "points/redemptions/<str:code>/hand-over/",
        api.HandOverView.as_view(),
        name="api-redemption-hand-over",
    ),
    path(
        "points/redemptions/<str:code>/return/",
        api.ReturnView.as_view(),
        name="api-redemption-return",
    ),
    path("points/reports/grids/", api.GridReportView.as_view(), name="api-points-report-grids"),
    path("points/reports/stores/", api.StoreReportView.as_view(), name="api-points-report-stores"),
]
