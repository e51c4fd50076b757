from django.urls import path

from . import views

app_name = "hazards"
urlpatterns = [
    path("", views.hazard_list, name="hazard_list"),
    path("new/", views.hazard_create, name="hazard_create"),
    path("export/", views.hazard_export, name="hazard_export"),
    path("import/", views.hazard_import, name="hazard_import"),
    path("<int:pk>/", views.hazard_detail, name="hazard_detail"),
    path("<int:pk>/plan/", views.plan_save, name="plan_save"),
    path("<int:pk>/photo/", views.hazard_photo, name="hazard_photo"),
    path("attachments/<int:pk>/", views.hazard_attachment, name="attachment"),
    path("<int:pk>/<slug:action>/", views.hazard_action, name="hazard_action"),
    path("risk-points/", views.risk_point_list, name="risk_point_list"),
    path("statistics/", views.statistics, name="statistics"),
]
