from django.apps import AppConfig


class GateConfig(AppConfig):
    """The permission gate and the one write path, above ``org`` and ``audit``."""

    name = "districtops.gate"
    label = "gate"
    verbose_name = "权限与写入"

    def ready(self):
        # Importing the gate registers its answer to ``Model.objects.restrict`` (core.scoping).
        from districtops.gate import permissions  # noqa: F401
