from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from districtops.jobs.heartbeat import Beater


class Command(BaseCommand):
    help = (
        "Run a task worker for the configured queue: RQ when REDIS_URL is set, the database queue "
        "otherwise. It beats into the worker table so that /readyz knows jobs will run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--burst", action="store_true", help="exit when the queue is empty")

    def handle(self, *args, burst, **options):
        beater = Beater(settings.JOB_QUEUE)
        beater.start()
        try:
            if settings.JOB_QUEUE == "rq":
                from redis import Redis
                from rq import Queue, Worker

                connection = Redis.from_url(settings.REDIS_URL)
                Worker([Queue("default", connection=connection)], connection=connection).work(burst=burst)
            else:
                call_command(
                    "db_worker", "--no-reload", *(["--batch", "--no-startup-delay"] if burst else [])
                )
        finally:
            beater.stop()
