import time

from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from districtops.core.context import acting_context
from districtops.portal.scale import SCALE_GENERATORS


class Command(BaseCommand):
    help = (
        "Build city-scale data for the benchmarks (16 districts, thousands of people, each module's volumes)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--size", type=float, default=1.0, help="scale factor; 1.0 = the sizes the issues name"
        )
        parser.add_argument("--only", default="", help="comma-separated module names, e.g. org,projects")

    def handle(self, *args, size, only, **options):
        wanted = {m.strip() for m in only.split(",") if m.strip()}
        with acting_context("cli", request_id="generate-scale"):
            for path in SCALE_GENERATORS:
                module = path.split(".")[1]
                if wanted and module not in wanted:
                    continue
                started = time.perf_counter()
                counts = import_string(path)(size=size)
                self.stdout.write(f"{module}: {counts} in {time.perf_counter() - started:.1f}s")
