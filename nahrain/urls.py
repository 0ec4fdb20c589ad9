from django.contrib import admin
from django.urls import include, path

from nahrain.api import api
from nahrain.core.views import admin_login

urlpatterns = [
    # The admin signs in through Nahrain's own throttled, two-factor sign-in.
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("geo/", include("nahrain.geo.urls")),
    path("dtm/", include("nahrain.displacement.urls")),
    path("sites/", include("nahrain.sites.urls")),
    path("registry/", include("nahrain.registry.urls")),
    # The service directory (services/), referrals (referrals/) and cases (cases/).
    path("", include("nahrain.referrals.urls")),
    path("health/", include("nahrain.health.urls")),
    path("assistance/", include("nahrain.assistance.urls")),
    path("feedback/", include("nahrain.feedback.urls")),
    path("coordination/", include("nahrain.coordination.urls")),
    path("intake/", include("nahrain.intake.urls")),
    path("openrosa/", include("nahrain.collect.openrosa_urls")),
    path("collect/", include("nahrain.collect.urls")),
    path("", include("nahrain.core.urls")),
]
