from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Run an RQ worker for the job queue (production, REDIS_URL set). --burst exits when the queue is empty."

    def add_arguments(self, parser):
        parser.add_argument("--burst", action="store_true")

    def handle(self, *args, burst, **options):
        if not settings.REDIS_URL:
            raise CommandError("REDIS_URL is not set: use `districtops db_worker` for the database queue")
        from redis import Redis
        from rq import Queue, Worker

        connection = Redis.from_url(settings.REDIS_URL)
        Worker([Queue("default", connection=connection)], connection=connection).work(burst=burst)
