import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from districtops.audit import chain
from districtops.audit.models import AuditAnchor, AuditRecord
from districtops.core.context import acting_context


class Command(BaseCommand):
    help = "Delete audit records older than --days (at least 180), leaving an anchor so the chain still verifies."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, required=True)

    def handle(self, *args, days, **options):
        minimum = settings.AUDIT_RETENTION_MIN_DAYS
        if days < minimum:
            raise CommandError(f"refused: audit records must be kept at least {minimum} days (asked {days})")
        cutoff = timezone.now() - dt.timedelta(days=days)
        with acting_context("cli"), transaction.atomic():
            last = (
                AuditRecord.objects.filter(created_at__lt=cutoff)
                .order_by("-seq")
                .values_list("seq", "hash")
                .first()
            )
            if last is None:
                self.stdout.write("nothing older than the cutoff")
                return
            # Bypass the append-only queryset on purpose: this is the one sanctioned deletion.
            count = AuditRecord.objects.filter(seq__lte=last[0])._raw_delete(AuditRecord.objects.db)
            AuditAnchor.objects.create(last_seq=last[0], last_hash=last[1], purged_count=count)
            chain.append(
                None,
                "purge",
                object_type="audit.auditrecord",
                message=f"purged {count} rows up to #{last[0]}",
            )
        self.stdout.write(f"purged {count} rows up to #{last[0]}")
