import time

from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from districtops.core.context import acting_context
from districtops.org.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from districtops.portal.demo import DEMO_LOADERS


class Command(BaseCommand):
    help = "Load the 管城回族区 demo data (idempotent: running it twice doubles nothing)."

    def handle(self, *args, **options):
        with acting_context("cli", request_id="demo-load"):
            for path in DEMO_LOADERS:
                started = time.perf_counter()
                import_string(path)()
                self.stdout.write(f"loaded {path.split('.')[1]} in {time.perf_counter() - started:.1f}s")
        self.stdout.write("")
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, display, unit, _role, title in DEMO_ACCOUNTS:
            self.stdout.write(f"  {username:<11} {display:<12} {unit} · {title}")
