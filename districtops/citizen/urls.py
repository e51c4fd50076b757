from django.urls import path

from . import views

app_name = "citizen"
urlpatterns = [
    path("reports/", views.report_list, name="report_list"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/photo/", views.report_photo, name="report_photo"),
    path("reports/<int:pk>/triage/", views.report_triage, name="report_triage"),
    path("reports/<int:pk>/decline/", views.report_decline, name="report_decline"),
    path("reports/<int:pk>/merge/", views.report_merge, name="report_merge"),
    path("partners/", views.partner_list, name="partner_list"),
    path("partners/<int:pk>/revoke/", views.partner_revoke, name="partner_revoke"),
]
