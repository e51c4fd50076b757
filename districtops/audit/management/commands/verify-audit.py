import sys

from django.core.management.base import BaseCommand

from districtops.audit import chain


class Command(BaseCommand):
    help = "Verify the audit hash chain. Exit 0 when intact; 1 naming the first broken row otherwise."

    def handle(self, *args, **options):
        result = chain.verify()
        if result.ok:
            self.stdout.write(f"audit chain intact: {result.checked} rows ({chain.HASH_ALGORITHM})")
            return
        self.stderr.write(f"audit chain BROKEN at row #{result.first_broken_seq}: {result.reason}")
        sys.exit(1)
