from django.apps import AppConfig


class CitizenConfig(AppConfig):
    name = "districtops.citizen"
    label = "citizen"
