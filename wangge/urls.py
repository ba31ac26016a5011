from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from wangge.accounts.api import MeView, TokenLogoutView, TokenRefreshView, TokenView
from wangge.core.views import healthz
from wangge.web.views import home

admin.site.site_header = _("网格化基层治理平台 · 管理后台")
admin.site.site_title = _("网格管理后台")
admin.site.index_title = _("系统配置")

api_v1: list[URLPattern | URLResolver] = [
    path("", include("wangge.cases.urls")),  # the intake and the case lists first
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("auth/token/refresh/", TokenRefreshView.as_view(), name="api-token-refresh"),
    path("auth/logout/", TokenLogoutView.as_view(), name="api-token-logout"),
    path("me/", MeView.as_view(), name="api-me"),
    path("", include("wangge.grids.urls")),
    path("", include("wangge.workcal.urls")),
    path("", include("wangge.notify.urls")),
    path("", include("wangge.attachments.urls")),
    path("", include("wangge.people.urls")),
    path("", include("wangge.hotline.urls")),
    path("", include("wangge.chat.urls")),
    path("", include("wangge.stats.urls")),
    path("", include("wangge.council.urls")),
    path("", include("wangge.notices.urls")),
    path("", include("wangge.funds.urls")),
    path("", include("wangge.community.urls")),
    path("", include("wangge.points.urls")),
    path("", include("wangge.exports.urls")),
]

handler404 = "wangge.core.errors.not_found"
handler500 = "wangge.core.errors.server_error"

# The API's and Open311's prefixes first: Django tries the patterns in order, and these take
# most of the requests.
urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include(api_v1)),
    path("open311/v2/", include("wangge.open311.urls")),
    path("accounts/", include("wangge.accounts.urls")),
    path("admin/", admin.site.urls),
    path("attachments/", include("wangge.attachments.file_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("cockpit/", include("wangge.stats.web_urls")),
    path("people/", include("wangge.people.web_urls")),
    path("community/", include("wangge.community.web_urls")),
    path("points/", include("wangge.points.web_urls")),
    path("council/", include("wangge.council.web_urls")),
    path("notices/", include("wangge.notices.web_urls")),
    path("funds/", include("wangge.funds.web_urls")),
    path("exports/", include("wangge.exports.web_urls")),
    path("", include("wangge.web.urls")),
]
