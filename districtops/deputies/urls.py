from django.urls import path

from . import views

app_name = "deputies"
urlpatterns = [
    path("suggestions/", views.suggestion_list, name="suggestion_list"),
    path("suggestions/new/", views.suggestion_create, name="suggestion_create"),
    path("suggestions/export/", views.suggestion_export, name="suggestion_export"),
    path("suggestions/import/", views.suggestion_import, name="suggestion_import"),
    path("suggestions/<int:pk>/", views.suggestion_detail, name="suggestion_detail"),
    path("suggestions/<int:pk>/reply/", views.suggestion_reply, name="suggestion_reply"),
    path("suggestions/<int:pk>/evaluate/", views.suggestion_evaluate, name="suggestion_evaluate"),
    path("stations/", views.station_list, name="station_list"),
    path("stations/<int:pk>/", views.station_detail, name="station_detail"),
]
