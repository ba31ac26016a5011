from django.urls import path

from wangge.cases import api

urlpatterns = [
    path("cases/", api.CaseListView.as_view(), name="api-case-list"),
    path("cases/mine/", api.MyCasesView.as_view(), name="api-case-mine"),
    path("cases/public/<str:code>/", api.PublicCaseView.as_view(), name="api-case-public"),
    path(
        "cases/public/<str:code>/answer/",
        api.PublicAnswerView.as_view(),
        name="api-case-public-answer",
    ),
    path("cases/<str:code>/", api.CaseDetailView.as_view(), name="api-case-detail"),
    path(
        "cases/<str:code>/actions/<str:action>/",
        api.CaseActionView.as_view(),
        name="api-case-action",
    ),
    path("case-categories/", api.CategoryListView.as_view(), name="api-case-categories"),
    path("case-categories/suggest/", api.SuggestCategoryView.as_view(), name="api-case-suggest"),
]
