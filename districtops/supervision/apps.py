from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "districtops.supervision"
    label = "supervision"

    def ready(self):
        from districtops.jobs import registry

        registry.register(
            "supervision.send_reminders", "districtops.supervision.reminders.run_daily", daily=True
        )
