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
        "cases/<str:code>/contact/reveal/",
        api.CaseContactRevealView.as_view(),
        name="api-case-contact-reveal",
    ),
    path(
        "cases/<str:code>/assignees/",
        api.CaseAssigneesView.as_view(),
        name="api-case-assignees",
    ),
    path(
        "cases/<str:code>/actions/<str:action>/",
        api.CaseActionView.as_view(),
        name="api-case-action",
    ),
    path(
        "cases/<str:code>/reply-templates/",
        api.CaseReplyTemplatesView.as_view(),
        name="api-case-reply-templates",
    ),
    path("reply-templates/", api.ReplyTemplateListView.as_view(), name="api-reply-templates"),
    path(
        "reply-templates/<int:pk>/",
        api.ReplyTemplateDetailView.as_view(),
        name="api-reply-template",
    ),
    path("case-categories/", api.CategoryListView.as_view(), name="api-case-categories"),
    path("case-categories/suggest/", api.SuggestCategoryView.as_view(), name="api-case-suggest"),
]
