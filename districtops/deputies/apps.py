from django.apps import AppConfig


class DeputiesConfig(AppConfig):
    name = "districtops.deputies"
    label = "deputies"
