"""`districtops backup` and `restore`: a consistent archive that comes back whole into an empty database."""

import io
import json
import tarfile
import uuid

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from districtops.core import backup as backup_module


@pytest.fixture
def dirs(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media" / "jobs").mkdir(parents=True)
    (tmp_path / "media" / "jobs" / "通报.docx").write_bytes(b"PK\x03\x04 briefing")
    settings.AUDIT_HEAD_DIR = tmp_path / "audit-head"
    return tmp_path


@pytest.fixture
def scratch_database(tmp_path):
    """An empty database of the suite's own engine, dropped afterwards."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg

    db = connection.settings_dict
    name = f"restore_{uuid.uuid4().hex[:10]}"
    kwargs = backup_module._psycopg_kwargs({**db, "NAME": "postgres"})
    with psycopg.connect(**kwargs, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    host, port, user = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432, db.get("USER") or "postgres"
    yield f"postgres://{user}@{host}:{port}/{name}"
    with psycopg.connect(**kwargs, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _archive(dirs):
    out = io.StringIO()
    call_command("backup", "--directory", str(dirs / "backups"), stdout=out)
    (path,) = (dirs / "backups").glob("districtops-*.tar.gz")
    return path, out.getvalue()


def test_backup_then_restore_into_an_empty_database_keeps_every_row_and_the_audit_chain(
    transactional_db, org, dirs, scratch_database
):
    from districtops.audit.models import AuditRecord

    path, printed = _archive(dirs)
    assert "backup written" in printed
    with tarfile.open(path) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert "media/jobs/通报.docx" in names
    assert manifest["engine"] == connection.vendor
    assert manifest["row_counts"]["audit_auditrecord"] == AuditRecord.objects.count() > 0
    assert manifest["row_counts"]["org_unit"] > 20

    restored = dirs / "restored"
    out = io.StringIO()
    call_command(
        "restore", str(path), "--database-url", scratch_database,
        "--media-root", str(restored / "media"), "--audit-head-dir", str(restored / "heads"), stdout=out,
    )  # fmt: skip
    assert "match the manifest" in out.getvalue()
    assert "audit chain intact" in out.getvalue()
    assert (restored / "media" / "jobs" / "通报.docx").read_bytes() == b"PK\x03\x04 briefing"

    # Into a database that is not empty: refused, nothing overwritten.
    with pytest.raises(CommandError, match="不是空的"):
        call_command(
            "restore", str(path), "--database-url", scratch_database,
            "--media-root", str(dirs / "other-media"), stdout=io.StringIO(),
        )  # fmt: skip


def test_a_damaged_archive_is_refused_before_anything_is_written(
    transactional_db, org, dirs, scratch_database
):
    path, _ = _archive(dirs)
    broken = dirs / "broken.tar.gz"
    with tarfile.open(path) as src, tarfile.open(broken, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name.startswith("media/"):
                data = b"tampered"
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    with pytest.raises(CommandError, match="已损坏"):
        call_command("restore", str(broken), "--database-url", scratch_database, stdout=io.StringIO())
    with pytest.raises(CommandError, match="已损坏"):
        call_command("restore", str(broken), "--check", stdout=io.StringIO())
    not_an_archive = dirs / "x.tar.gz"
    not_an_archive.write_bytes(b"hello")
    with pytest.raises(CommandError, match="无法读取"):
        call_command("restore", str(not_an_archive), "--database-url", scratch_database, stdout=io.StringIO())


def test_an_archive_with_a_path_outside_its_folder_is_refused(db, tmp_path):
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        info = tarfile.TarInfo("../../etc/evil")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(CommandError, match="不安全"):
        call_command("restore", str(evil), "--check", stdout=io.StringIO())


def test_keep_removes_the_oldest_archives(transactional_db, org, dirs):
    backups = dirs / "backups"
    backups.mkdir()
    for stamp in ("20200101-000000", "20200102-000000", "20200103-000000"):
        (backups / f"districtops-{stamp}.tar.gz").write_bytes(b"old")
    call_command("backup", "--directory", str(backups), "--keep", "2", stdout=io.StringIO())
    left = sorted(p.name for p in backups.glob("districtops-*.tar.gz"))
    assert len(left) == 2 and left[0] == "districtops-20200103-000000.tar.gz"


def test_backup_inside_a_transaction_is_refused(db, dirs):
    with pytest.raises(CommandError, match="事务"):
        call_command("backup", "--directory", str(dirs / "backups"), stdout=io.StringIO())


def test_backup_location_defaults_under_var():
    from districtops.core.management.commands.backup import Command

    parser = Command().create_parser("districtops", "backup")
    assert parser.parse_args([]).directory == str(settings.VAR_DIR / "backups")
