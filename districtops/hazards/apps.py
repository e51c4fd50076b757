from django.apps import AppConfig


class HazardsConfig(AppConfig):
    name = "districtops.hazards"
    label = "hazards"
