from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "districtops.supervision"
    label = "supervision"

    def ready(self):
        from districtops.core import dictionary
        from districtops.jobs import registry

        from .states import SYSTEM_EVENTS, TRANSITIONS

        # The history and audit pages read the matter's actions from the state machine.
        dictionary.register_actions("matter", {code: label for code, (_p, _t, label) in TRANSITIONS.items()})
        dictionary.register_actions("matter", SYSTEM_EVENTS)

        registry.register(
            "supervision.send_reminders", "districtops.supervision.reminders.run_daily", daily=True
        )
