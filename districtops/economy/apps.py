from django.apps import AppConfig


class EconomyConfig(AppConfig):
    name = "districtops.economy"
    label = "economy"
    verbose_name = "经济运行监测"

    def ready(self):
        from districtops.core import todo

        # Findings waiting for the street's explanation, before the projects' warnings.
        todo.register("districtops.economy.panels.todo_section", order=10)
