from django.urls import include, path

from districtops.api import api

urlpatterns = [
    path("", include("districtops.portal.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("districtops.accounts.urls")),
    path("org/", include("districtops.org.urls")),
    path("audit/", include("districtops.audit.urls")),
    path("jobs/", include("districtops.jobs.urls")),
    path("economy/", include("districtops.economy.urls")),
    path("projects/", include("districtops.projects.urls")),
    path("supervision/", include("districtops.supervision.urls")),
    path("citizen/", include("districtops.citizen.urls")),
    path("hazards/", include("districtops.hazards.urls")),
    path("deputies/", include("districtops.deputies.urls")),
    path("public/", include("districtops.citizen.urls_public")),
    path("open311/", include("districtops.citizen.urls_open311")),
    path("cockpit/", include("districtops.cockpit.urls")),
    path("notifications/", include("districtops.notifications.urls")),
    path("delivery/", include("districtops.delivery.urls")),
    path("api/v1/", api.urls),
]
