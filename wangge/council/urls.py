from django.urls import path

from wangge.council import api

urlpatterns = [
    path("council/topics/", api.TopicListView.as_view(), name="api-council-topics"),
    path(
        "council/topics/from-case/",
        api.TopicFromCaseView.as_view(),
        name="api-council-topic-from-case",
    ),
    path("council/topics/<int:pk>/", api.TopicDetailView.as_view(), name="api-council-topic"),
    path(
        "council/topics/<int:pk>/discuss/",
        api.TopicDiscussView.as_view(),
        name="api-council-discuss",
    ),
    path(
        "council/topics/<int:pk>/decide/", api.TopicDecideView.as_view(), name="api-council-decide"
    ),
    path(
        "council/topics/<int:pk>/answer/", api.TopicAnswerView.as_view(), name="api-council-answer"
    ),
    path(
        "council/topics/<int:pk>/follow-up/",
        api.TopicFollowUpView.as_view(),
        name="api-council-follow-up",
    ),
    path("council/meetings/", api.MeetingListView.as_view(), name="api-council-meetings"),
    path("council/meetings/<int:pk>/", api.MeetingDetailView.as_view(), name="api-council-meeting"),
    path(
        "council/meetings/<int:pk>/agenda/",
        api.MeetingAgendaView.as_view(),
        name="api-council-agenda",
    ),
    path(
        "council/meetings/<int:pk>/sign-in/",
        api.MeetingSignInView.as_view(),
        name="api-council-sign-in",
    ),
    path(
        "council/meetings/<int:pk>/archive/",
        api.MeetingArchiveView.as_view(),
        name="api-council-archive",
    ),
    path("council/decisions/", api.DecisionListView.as_view(), name="api-council-decisions"),
    path(
        "council/decisions/<int:pk>/done/",
        api.DecisionDoneView.as_view(),
        name="api-council-decision-done",
    ),
    path("council/stats/", api.StatsView.as_view(), name="api-council-stats"),
]
