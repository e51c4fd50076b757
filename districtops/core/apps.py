from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "districtops.core"
    label = "core"
    verbose_name = "核心"
