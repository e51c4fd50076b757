from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The site's top floor: home, navigation, help, the to-do and panel registries, the demo
    and scale registries, health — the one place that names every app."""

    name = "districtops.portal"
    label = "portal"
    verbose_name = "门户"
