from django.urls import path

from . import views

app_name = "supervision"
urlpatterns = [
    path("", views.todo, name="todo"),
    path("matters/", views.matter_list, name="matter_list"),
    path("matters/new/", views.matter_create, name="matter_create"),
    path("matters/<int:pk>/", views.matter_detail, name="matter_detail"),
    path("matters/<int:pk>/<slug:action>/", views.matter_action, name="matter_action"),
    path("extensions/<int:pk>/decide/", views.extension_decide, name="extension_decide"),
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/decisions/", views.decision_add, name="decision_add"),
    path("meetings/<int:pk>/assign/", views.meeting_assign, name="meeting_assign"),
]
