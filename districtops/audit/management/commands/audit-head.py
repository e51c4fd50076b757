import json

from django.core.management.base import BaseCommand, CommandError

from districtops.audit import heads


class Command(BaseCommand):
    help = (
        "Write the audit chain's signed head (seq, hash, time, MAC) now: a line appended to "
        "AUDIT_HEAD_DIR/heads-<host>.jsonl, and to syslog when AUDIT_HEAD_SYSLOG is set."
    )

    def handle(self, *args, **options):
        try:
            head = heads.write_head()
        except (OSError, ValueError) as exc:
            raise CommandError(f"audit head not written: {exc}") from exc
        self.stdout.write(json.dumps(head, sort_keys=True))
