from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "districtops.projects"
    label = "projects"
    verbose_name = "项目"

    def ready(self):
        from districtops.core import todo
        from districtops.jobs import registry

        todo.register("districtops.projects.panels.todo_section", order=20)
        registry.register("projects.refresh_pace", "districtops.projects.jobs.run_daily", daily=True)
