from django.urls import path

from . import views

app_name = "economy"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export/", views.dashboard_export, name="dashboard_export"),
    path("forecast/", views.forecast_fragment, name="forecast"),
    path("enterprises/", views.enterprise_list, name="enterprise_list"),
    path("enterprises/export/", views.enterprise_export, name="enterprise_export"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise_detail"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("findings/", views.finding_list, name="finding_list"),
    path("findings/export/", views.finding_export, name="finding_export"),
    path("findings/capacity/", views.review_capacity, name="review_capacity"),
    path("findings/<int:pk>/explain/", views.finding_explain, name="finding_explain"),
    path("findings/<int:pk>/review/", views.finding_review, name="finding_review"),
    path("imports/", views.import_view, name="import"),
    path("imports/template/<str:kind>/", views.import_template, name="import_template"),
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("quality/", views.data_quality, name="data_quality"),
    path("pool/", views.pool_view, name="pool"),
    path("targets/", views.target_list, name="target_list"),
    path("prices/", views.price_index_list, name="price_index_list"),
    path("prices/import/", views.price_index_import, name="price_index_import"),
    path("prices/<int:pk>/", views.price_index_edit, name="price_index_edit"),
    path("releases/", views.release_list, name="release_list"),
    path("releases/move/", views.release_move, name="release_move"),
    path("values/", views.indicator_value_enter, name="indicator_value_enter"),
]
