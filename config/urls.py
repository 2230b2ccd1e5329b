from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from home import views as home_views


class FaviconView(RedirectView):
    permanent = True

    def get_redirect_url(self, *args, **kwargs):
        return static("img/favicon.ico")  # resolved per request: the manifest exists by then


urlpatterns = [
    path("", home_views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path("stations/", include("stations.urls")),
    path("policies/", include("policies.urls")),
    path("applications/", include("applications.urls")),
    path("evaluations/", include("evaluations.urls")),
    path("funding/", include("funding.urls")),
    path("network/", include("network.urls")),
    path("public/", include("network.public_urls")),
    path("captcha/", include("captcha.urls")),
    path("reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico on pages that name no icon (admin, PDFs): a local file.
    path("favicon.ico", FaviconView.as_view()),
]

admin.site.site_header = "学会服务站管理平台"
admin.site.site_title = "学会服务站管理平台"
admin.site.index_title = "系统管理"
