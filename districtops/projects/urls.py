from django.urls import path

from . import views

app_name = "projects"
urlpatterns = [
    path("", views.construction_list, name="construction_list"),
    path("construction/new/", views.construction_create, name="construction_create"),
    path("construction/<int:pk>/", views.construction_detail, name="construction_detail"),
    path("construction/<int:pk>/edit/", views.construction_edit, name="construction_edit"),
    path("construction/<int:pk>/monthly/", views.monthly_investment_add, name="monthly_investment_add"),
    path("construction/<int:pk>/funds/", views.fund_save, name="fund_save"),
    path("construction/<int:pk>/documents/", views.document_upload, name="document_upload"),
    path("nodes/<int:pk>/edit/", views.node_edit, name="node_edit"),
    path("nodes/<int:pk>/reports/", views.progress_report_add, name="progress_report_add"),
    path("documents/<int:pk>/", views.document_download, name="document_download"),
    path("documents/<int:pk>/delete/", views.document_delete, name="document_delete"),
    path("battle-map/", views.battle_map, name="battle_map"),
    path("battle-map/data/", views.battle_map_data, name="battle_map_data"),
    path("battle-map/export/", views.battle_map_export, name="battle_map_export"),
    path("warnings/", views.warning_list, name="warning_list"),
    path("investment/", views.investment_list, name="investment_list"),
    path("investment/summary/", views.investment_summary, name="investment_summary"),
    path("investment/new/", views.investment_create, name="investment_create"),
    path("investment/<int:pk>/", views.investment_detail, name="investment_detail"),
    path("investment/<int:pk>/edit/", views.investment_edit, name="investment_edit"),
    path("investment/<int:pk>/transition/", views.investment_transition, name="investment_transition"),
    path("investment/<int:pk>/arrivals/", views.capital_arrival_add, name="capital_arrival_add"),
    path("transitions/<int:pk>/evidence/", views.evidence_download, name="evidence_download"),
    path("conferences/", views.conference_list, name="conference_list"),
    path("conferences/new/", views.conference_create, name="conference_create"),
    path("conferences/<int:pk>/", views.conference_detail, name="conference_detail"),
    path("conferences/<int:pk>/edit/", views.conference_edit, name="conference_edit"),
    path("import/<slug:kind>/", views.import_view, name="import"),
    path("import/<slug:kind>/template/", views.import_template, name="import_template"),
]
