from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "districtops.delivery"
    label = "delivery"
    verbose_name = "消息发送"

    def ready(self):
        from districtops.jobs import registry

        # Every few minutes (run-periodic frequent) and once a day as a safety net.
        registry.register(
            "delivery.send_due", "districtops.delivery.jobs.send_due", daily=True, frequent=True
        )
        registry.register(
            "delivery.check_receipts", "districtops.delivery.jobs.check_receipts", frequent=True
        )
