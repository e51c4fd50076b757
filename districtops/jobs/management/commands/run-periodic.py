from django.core.management.base import BaseCommand
from django.utils import timezone

from districtops.core import clock
from districtops.core.context import acting_context
from districtops.jobs.services import run_job, run_periodic


class Command(BaseCommand):
    help = (
        "Start today's daily jobs once (idempotent per day), or this 5-minute slot's frequent jobs "
        "(message retries). Schedule it from cron or a systemd timer."
    )

    def add_arguments(self, parser):
        parser.add_argument("period", choices=["daily", "frequent"])
        parser.add_argument(
            "--now", action="store_true", help="run in this process instead of the task queue"
        )

    def handle(self, *args, period, now, **options):
        with acting_context("cli"):
            if period == "daily":
                key = clock.today().isoformat()
            else:
                now = timezone.localtime()
                key = now.replace(minute=now.minute - now.minute % 5, second=0, microsecond=0).strftime(
                    "%Y-%m-%dT%H:%M"
                )
            jobs = run_periodic(period, day_key=key)
            for job in jobs:
                if now:
                    job = run_job(job.pk)
                self.stdout.write(f"{job.name} #{job.pk}: {job.status}")
        if not jobs:
            self.stdout.write("this period's jobs already ran")
