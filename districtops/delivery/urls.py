from django.urls import path

from . import views

app_name = "delivery"
urlpatterns = [
    path("", views.failure_list, name="failure_list"),
    path("corp-apps/", views.corp_app_list, name="corp_app_list"),
]
