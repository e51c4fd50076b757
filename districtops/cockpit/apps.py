from django.apps import AppConfig


class CockpitConfig(AppConfig):
    name = "districtops.cockpit"
    label = "cockpit"

    def ready(self):
        from districtops.jobs import registry

        registry.register("cockpit.briefing", "districtops.cockpit.jobs.generate_briefing")
        registry.register(
            "cockpit.weekly_summaries", "districtops.cockpit.jobs.send_weekly_summaries", daily=True
        )
