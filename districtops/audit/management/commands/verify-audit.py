import sys

from django.core.management.base import BaseCommand

from districtops.audit import chain


class Command(BaseCommand):
    help = (
        "Verify the audit trail: signed anchors, every row's hash and link, and the table against "
        "the signed heads in AUDIT_HEAD_DIR (and --heads). Exit 0 when intact; 1 naming what is wrong."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--heads",
            action="append",
            default=[],
            metavar="PATH",
            help="more head files or folders: the off-host copy, lines exported from the syslog collector",
        )

    def handle(self, *args, heads: list[str], **options):
        result = chain.verify(head_paths=heads)
        if result.ok:
            tail = (
                f"; tail reaches head #{result.head_seq} of {result.head_time} ({result.heads_read} heads read)"
                if result.head_seq is not None
                else ""
            )
            self.stdout.write(
                f"audit chain intact: {result.checked} rows up to #{result.tip_seq} ({chain.HASH_ALGORITHM}){tail}"
            )
            for note in result.notes:
                self.stdout.write(f"note: {note}")
            return
        where = f" at row #{result.first_broken_seq}" if result.first_broken_seq is not None else ""
        self.stderr.write(f"audit chain BROKEN{where}: {len(result.problems)} problem(s)")
        for problem in result.problems:
            self.stderr.write(f"- {problem}")
        sys.exit(1)
