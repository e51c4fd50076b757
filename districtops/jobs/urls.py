from django.urls import path

from . import views

app_name = "jobs"
urlpatterns = [
    path("", views.job_list, name="job_list"),
    path("<int:pk>/", views.job_detail, name="job_detail"),
    path("<int:pk>/result/", views.job_result, name="job_result"),
    path("<int:pk>/files/<slug:kind>/", views.job_file, name="job_file"),
]
