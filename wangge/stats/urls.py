from django.urls import path

from wangge.stats import api

urlpatterns = [
    path("stats/summary/", api.SummaryView.as_view(), name="api-stats-summary"),
    path("stats/breakdown/", api.BreakdownView.as_view(), name="api-stats-breakdown"),
    path("stats/trend/", api.TrendView.as_view(), name="api-stats-trend"),
    path("stats/density/", api.DensityView.as_view(), name="api-stats-density"),
    path("stats/ranking/", api.RankingView.as_view(), name="api-stats-ranking"),
    path("stats/assessment/", api.AssessmentView.as_view(), name="api-stats-assessment"),
    path("stats/cockpit/", api.CockpitView.as_view(), name="api-stats-cockpit"),
    path("stats/export/", api.ExportView.as_view(), name="api-stats-export"),
]
