from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "districtops.jobs"
    label = "jobs"
