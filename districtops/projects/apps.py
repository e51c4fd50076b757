from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "districtops.projects"
    label = "projects"
    verbose_name = "项目"
