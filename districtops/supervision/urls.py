from django.urls import path, re_path

from . import views

app_name = "supervision"
urlpatterns = [
    path("", views.todo, name="todo"),
    path("matters/", views.matter_list, name="matter_list"),
    path("matters/new/", views.matter_create, name="matter_create"),
    path("matters/export/", views.matter_export, name="matter_export"),
    path("matters/import/", views.matter_import, name="matter_import"),
    path("matters/<int:pk>/", views.matter_detail, name="matter_detail"),
    path("matters/<int:pk>/notice/", views.matter_notice, name="matter_notice"),
    path("matters/<int:pk>/<slug:action>/", views.matter_action, name="matter_action"),
    path("attachments/<int:pk>/", views.matter_attachment, name="attachment"),
    path("extensions/<int:pk>/decide/", views.extension_decide, name="extension_decide"),
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/decisions/", views.decision_add, name="decision_add"),
    path("meetings/<int:pk>/assign/", views.meeting_assign, name="meeting_assign"),
    path("holidays/", views.holiday_list, name="holiday_list"),
    path("units/<int:unit_id>/reminders/", views.reminder_settings, name="reminder_settings"),
    path("scorecards/", views.scheme_list, name="scheme_list"),
    path("scorecards/new/", views.scheme_create, name="scheme_create"),
    path("scorecards/<int:pk>/", views.scheme_detail, name="scheme_detail"),
    path("scorecards/<int:pk>/publish/", views.scheme_publish, name="scheme_publish"),
    path("scorecards/<int:pk>/units/<int:unit_id>/", views.scheme_unit, name="scheme_unit"),
    re_path(
        r"^scorecards/(?P<pk>\d+)/notice\.(?P<fmt>xlsx|docx)$", views.scheme_export, name="scheme_export"
    ),
]
