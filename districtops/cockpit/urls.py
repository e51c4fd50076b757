from django.urls import path

from . import views

app_name = "cockpit"
urlpatterns = [
    path("", views.home, name="home"),
    path("subscriptions/", views.subscription_list, name="subscription_list"),
    path("subscriptions/<int:pk>/delete/", views.subscription_delete, name="subscription_delete"),
    path("briefings/<int:pk>/<slug:kind>/", views.briefing_file, name="briefing_file"),
    path("<str:code>/", views.district, name="district"),
    path("<str:code>/screen/", views.bigscreen, name="bigscreen"),
    path("<str:code>/screen/data/", views.bigscreen_data, name="bigscreen_data"),
    path("<str:code>/forecasts/", views.forecasts, name="forecasts"),
    path("<str:code>/briefing/", views.briefing_start, name="briefing_start"),
    path("<str:code>/briefing/settings/", views.briefing_settings, name="briefing_settings"),
]
