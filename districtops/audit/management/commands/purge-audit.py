import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from districtops.audit import chain, heads
from districtops.audit.models import AuditAnchor, AuditRecord
from districtops.core import locks
from districtops.core.context import acting_context


class Command(BaseCommand):
    help = (
        "Delete audit records older than --days (at least 180), leaving a signed anchor and its "
        "purge record (one transaction) so the chain still verifies; then write a head."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, required=True)

    def handle(self, *args, days, **options):
        minimum = settings.AUDIT_RETENTION_MIN_DAYS
        if days < minimum:
            raise CommandError(f"refused: audit records must be kept at least {minimum} days (asked {days})")
        cutoff = timezone.now() - dt.timedelta(days=days)
        with acting_context("cli"), transaction.atomic():
            locks.serialise("audit.chain")
            last = (
                AuditRecord.objects.filter(created_at__lt=cutoff)
                .order_by("-seq")
                .values_list("seq", "hash")
                .first()
            )
            if last is None:
                self.stdout.write("nothing older than the cutoff")
                return
            newest = AuditRecord.objects.order_by("-seq").values_list("seq", flat=True).first()
            # Bypass the append-only queryset on purpose: this is the one sanctioned deletion.
            count = AuditRecord.objects.filter(seq__lte=last[0])._raw_delete(AuditRecord.objects.db)
            fields = {
                "last_seq": last[0],
                "last_hash": last[1],
                "purged_count": count,
                "purged_at": timezone.now(),
                "purge_seq": newest + 1,  # the purge record below: the chain's next row
            }
            anchor = AuditAnchor.objects.create(**fields, mac=chain.anchor_mac(fields))
            record = chain.append(
                None,
                "purge",
                object_type="audit.auditanchor",
                object_id=str(anchor.pk),
                after=chain.purge_record_content(fields),
                message=f"purged {count} rows up to #{last[0]}",
            )
            if record.seq != anchor.purge_seq:  # cannot happen under the lock; never leave a mismatch
                raise CommandError(
                    f"purge record landed at #{record.seq}, not #{anchor.purge_seq}: rolled back"
                )
        head = heads.write_head()
        self.stdout.write(f"purged {count} rows up to #{last[0]}; anchor id={anchor.pk}; head #{head['seq']}")
