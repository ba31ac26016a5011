from django.urls import path

from wangge.funds import api

urlpatterns = [
    path("funds/accounts/", api.AccountListView.as_view(), name="api-fund-accounts"),
    path("funds/accounts/<int:pk>/", api.AccountDetailView.as_view(), name="api-fund-account"),
    path(
        "funds/accounts/<int:pk>/statement.xlsx",
        api.StatementView.as_view(),
        name="api-fund-statement",
    ),
    path("funds/budgets/", api.BudgetView.as_view(), name="api-fund-budget"),
    path("funds/requests/", api.RequestListView.as_view(), name="api-fund-requests"),
    path("funds/requests/<int:pk>/", api.RequestDetailView.as_view(), name="api-fund-request"),
    path("funds/requests/<int:pk>/approve/", api.ApproveView.as_view(), name="api-fund-approve"),
    path("funds/requests/<int:pk>/reject/", api.RejectView.as_view(), name="api-fund-reject"),
    path("funds/requests/<int:pk>/payments/", api.PaymentView.as_view(), name="api-fund-pay"),
]
