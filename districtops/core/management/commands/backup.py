from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from districtops.core.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Write one consistent archive: the database (pg_dump custom format, or SQLite's online "
        "backup), the media files and the audit head, with a manifest of row counts and digests."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--directory", default=str(settings.VAR_DIR / "backups"), help="where archives go"
        )
        parser.add_argument("--keep", type=int, default=None, help="keep only the newest N archives")

    def handle(self, *args, directory, keep, **options):
        if keep is not None and keep < 1:
            raise CommandError("--keep 至少为 1")
        try:
            result = backup(Path(directory), keep=keep)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(result.manifest["row_counts"].values())
        self.stdout.write(
            f"backup written: {result.path} ({result.manifest['engine']}, "
            f"{len(result.manifest['row_counts'])} tables, {rows} rows, {len(result.manifest['files']) - 1} files)"
        )
