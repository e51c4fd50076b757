from django.urls import path

from . import help, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("help/", help.help_index, name="help"),
    path("help/<slug:slug>/", help.help_guide, name="help_guide"),
    path("favicon.ico", views.favicon, name="favicon"),
]
