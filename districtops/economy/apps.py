from django.apps import AppConfig


class EconomyConfig(AppConfig):
    name = "districtops.economy"
    label = "economy"
    verbose_name = "经济运行监测"
