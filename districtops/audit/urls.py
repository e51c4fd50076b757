from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("", views.record_list, name="record_list"),
    path("verify/", views.verify_view, name="verify"),
    path("<int:seq>/", views.record_detail, name="record_detail"),
    path("history/<slug:app_label>/<slug:model_name>/<int:pk>/", views.object_history, name="object_history"),
]
