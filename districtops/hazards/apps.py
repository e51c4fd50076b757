from django.apps import AppConfig


class HazardsConfig(AppConfig):
    name = "districtops.hazards"
    label = "hazards"

    def ready(self):
        from districtops.core import dictionary

        from .models import TRANSITIONS

        # The history and audit pages read the hazard's actions from its state machine.
        dictionary.register_actions("hazard", {code: entry[2] for code, entry in TRANSITIONS.items()})
