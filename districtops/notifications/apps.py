from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "districtops.notifications"
    label = "notifications"
    verbose_name = "站内通知"

    def ready(self):
        from districtops.jobs import registry

        registry.register("notifications.deadlines", "districtops.notifications.jobs.deadlines", daily=True)
