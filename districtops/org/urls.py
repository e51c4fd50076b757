from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("units/", views.unit_tree, name="unit_tree"),
    path("units/new/", views.unit_create, name="unit_create"),
    path("units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("people/", views.person_list, name="person_list"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/memberships/", views.membership_add, name="membership_add"),
    path("memberships/<int:pk>/remove/", views.membership_remove, name="membership_remove"),
]
