from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from districtops.core.backup import BackupError, describe, restore


class Command(BaseCommand):
    help = (
        "Restore an archive written by `districtops backup` into an EMPTY database (the configured "
        "one, or --database-url), then check every table's row count and the audit chain."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--database-url", help="restore into this database instead (e.g. a scratch one)")
        parser.add_argument("--media-root", help="put the files here instead of MEDIA_ROOT")
        parser.add_argument("--audit-head-dir", help="put the audit head here instead of AUDIT_HEAD_DIR")
        parser.add_argument("--check", action="store_true", help="only check the archive's digests")

    def handle(self, *args, archive, database_url, media_root, audit_head_dir, check, **options):
        path = Path(archive)
        if not path.is_file():
            raise CommandError(f"找不到备份文件：{path}")
        try:
            if check:
                manifest = describe(path)
                self.stdout.write(
                    f"archive intact: {manifest['engine']}, {len(manifest['row_counts'])} tables, "
                    f"created {manifest['created_at']}"
                )
                return
            result = restore(
                path,
                database_url=database_url,
                media_root=Path(media_root) if media_root else None,
                audit_head_dir=Path(audit_head_dir) if audit_head_dir else None,
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"restored into {result.database}: {sum(result.row_counts.values())} rows in "
            f"{len(result.row_counts)} tables match the manifest; {result.files} files; {result.audit_output}"
        )
