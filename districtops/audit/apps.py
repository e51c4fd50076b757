from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "districtops.audit"
    label = "audit"

    def ready(self):
        from . import signals  # noqa: F401  (login, logout and failed-login records)
