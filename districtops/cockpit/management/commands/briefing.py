import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from districtops.cockpit import briefing
from districtops.cockpit.figures import Month
from districtops.core import clock
from districtops.core.context import acting_context
from districtops.org.models import Unit, UnitKind


class Command(BaseCommand):
    help = "Write the monthly briefing of a district as a Word file (plus the Excel annex, and a PDF with LibreOffice)."

    def add_arguments(self, parser):
        parser.add_argument("--district", required=True, help="division code, e.g. 410104")
        parser.add_argument(
            "--period",
            required=True,
            help="reporting month, YYYY-MM, or 'previous' (the month before today: what a monthly timer runs)",
        )
        parser.add_argument(
            "--output",
            required=True,
            help="the .docx to write, or a directory (the file is named 月度通报-<code>-<YYYY-MM>.docx in it)",
        )
        parser.add_argument(
            "--push",
            action="store_true",
            help="send the issued briefing to the district's subscribers (mail, group robots)",
        )
        parser.add_argument(
            "--draft",
            action="store_true",
            help="no 发文字号: do not enter it in the register of issued briefings",
        )

    def handle(self, *args, district, period, output, draft=False, push=False, **options):
        try:
            month = previous_month() if period == "previous" else Month.parse(period)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        unit = Unit.objects.filter(kind=UnitKind.DISTRICT, division_code=district).first()
        if unit is None:
            raise CommandError(f"没有区划代码为 {district} 的区")
        target = Path(output)
        folder = target.is_dir() or output.endswith(("/", "\\"))
        if not folder and target.suffix.lower() != ".docx":
            raise CommandError("--output 须为 .docx 文件")
        with acting_context("cli"):
            # The command line acts as the system (user None), which sees the whole district.
            result = briefing.build(None, unit, month, issue=not draft)
        if folder:
            target.mkdir(parents=True, exist_ok=True)
            target = target / f"{result.basename}.docx"
        target.write_bytes(result.docx)
        annex = target.with_name(target.stem + "-附件.xlsx")
        annex.write_bytes(result.xlsx)
        written = [target, annex]
        if result.pdf is not None:
            pdf = target.with_suffix(".pdf")
            pdf.write_bytes(result.pdf)
            written.append(pdf)
        number = result.heading.get("doc_number", "draft")
        self.stdout.write(f"{number} {result.seconds:.2f}s: " + ", ".join(str(p) for p in written))
        if push and not draft:
            from districtops.cockpit import delivery

            with acting_context("cli"):
                counts = delivery.push_briefing(unit, result.summary, result.heading)
            self.stdout.write(
                f"pushed: {counts['sent']} sent, {counts['retrying']} retrying, {counts['failed']} failed"
            )


def previous_month() -> Month:
    """The month before today's (on 5 March: February)."""
    first = clock.today().replace(day=1)
    return Month.of(first - dt.timedelta(days=1))
