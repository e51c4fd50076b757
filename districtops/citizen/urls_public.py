from django.urls import path

from . import views

app_name = "citizen_public"
urlpatterns = [
    path("reports/new/", views.public_report, name="report"),
    path("reports/lookup/", views.public_lookup, name="lookup"),
    path("reports/<str:tracking_number>/", views.public_status, name="status"),
    path("reports/<str:tracking_number>/join/", views.public_join, name="join"),
]
