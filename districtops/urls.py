from django.urls import include, path

from districtops.api import api

urlpatterns = [
    path("", include("districtops.core.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("districtops.accounts.urls")),
    path("org/", include("districtops.org.urls")),
    path("audit/", include("districtops.audit.urls")),
    path("jobs/", include("districtops.jobs.urls")),
    path("economy/", include("districtops.economy.urls")),
    path("api/v1/", api.urls),
]
