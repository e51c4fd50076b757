"""Backup and restore: one archive holds a consistent database dump, the media files and the audit head.

The archive is a gzip'd tar with

- ``manifest.json``: format, time, database engine, applied migrations, row count of every
  table taken from the same snapshot as the dump, and a SHA-256 of every member;
- ``database.sqlite3`` (SQLite's online backup API: a consistent copy while the platform runs)
  or ``database.pgdump`` (``pg_dump --format=custom`` on an exported snapshot, so that the
  row counts and the dump see the same instant);
- ``media/…``: the uploaded files, read after the database so every file it names is there;
- ``audit-head/…``: the signed heads of the audit chain (docs/operations.md).

``restore`` refuses a database that already holds tables, brings the dump back, the files
after it, checks every table's row count against the manifest, and runs ``verify-audit``
on the restored database in a separate process. Hand-written on purpose: the tools that do
this (django-dbbackup) keep the media and database as separate archives without a shared
manifest, and know nothing of the audit head.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import dj_database_url
from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = "districtops-backup/1"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, in Chinese."""


def _audit_head_dir() -> Path:
    return Path(getattr(settings, "AUDIT_HEAD_DIR", settings.VAR_DIR / "audit-head"))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_counts(db: sqlite3.Connection) -> dict[str, int]:
    names = [
        r[0]
        for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
    ]
    return {name: db.execute(f"SELECT COUNT(*) FROM {_quote(name)}").fetchone()[0] for name in sorted(names)}


def _pg_env(db: dict) -> dict:
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _pg_args(db: dict) -> list[str]:
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return args


def _run(cmd: list[str], env=None) -> None:
    try:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3600)
    except FileNotFoundError as exc:
        raise BackupError(f"找不到命令 {cmd[0]}：请安装 PostgreSQL 客户端（postgresql-client）") from exc
    if done.returncode != 0:
        raise BackupError(f"{cmd[0]} 失败：{done.stderr.strip()[-500:]}")


@dataclass
class BackupResult:
    path: Path
    manifest: dict = field(default_factory=dict)


def _dump_database(workdir: Path) -> tuple[str, dict[str, int]]:
    """Write the database into workdir; return the member name and the row counts of that copy."""
    connection.ensure_connection()
    if connection.in_atomic_block:
        # SQLite's backup would wait forever on the transaction's own lock; PostgreSQL's dump
        # would not see its uncommitted rows. Either way the archive would not be what is stored.
        raise BackupError("不能在数据库事务中备份")
    if connection.vendor == "sqlite":
        target = workdir / "database.sqlite3"
        dest = sqlite3.connect(target)
        try:
            connection.connection.backup(dest)
            counts = _sqlite_counts(dest)
        finally:
            dest.close()
        return target.name, counts
    if connection.vendor == "postgresql":
        import psycopg

        db = connection.settings_dict
        target = workdir / "database.pgdump"
        # A REPEATABLE READ transaction exports its snapshot: pg_dump and the counts share it.
        with psycopg.connect(**_psycopg_kwargs(db), autocommit=False) as conn:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
            tables = [
                r[0]
                for r in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
                )
            ]
            counts = {t: conn.execute(f"SELECT COUNT(*) FROM {_quote(t)}").fetchone()[0] for t in tables}
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    "--file",
                    str(target),
                    *_pg_args(db),
                    db["NAME"],
                ],  # fmt: skip
                env=_pg_env(db),
            )
            conn.rollback()
        return target.name, counts
    raise BackupError(f"不支持的数据库：{connection.vendor}")


def _psycopg_kwargs(db: dict) -> dict:
    kwargs = {"dbname": db["NAME"]}
    for key, name in (("HOST", "host"), ("PORT", "port"), ("USER", "user"), ("PASSWORD", "password")):
        if db.get(key):
            kwargs[name] = str(db[key])
    return kwargs


def _copy_tree(source: Path, target: Path) -> list[str]:
    copied = []
    if not source.is_dir():
        return copied
    for path in sorted(source.rglob("*")):
        if path.is_file() and not path.is_symlink():
            rel = path.relative_to(source)
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / rel)
            copied.append(str(rel))
    return copied


def backup(directory: Path, keep: int | None = None) -> BackupResult:
    """Write ``districtops-YYYYmmdd-HHMMSS.tar.gz`` into directory; keep the newest ``keep``."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    path = directory / f"districtops-{stamp}.tar.gz"
    with tempfile.TemporaryDirectory(dir=directory, prefix=".backup-") as tmp:
        work = Path(tmp)
        db_member, counts = _dump_database(work)
        media = _copy_tree(Path(settings.MEDIA_ROOT), work / "media")
        heads = _copy_tree(_audit_head_dir(), work / "audit-head")
        members = [db_member, *(f"media/{m}" for m in media), *(f"audit-head/{h}" for h in heads)]
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "engine": connection.vendor,
            "database": db_member,
            "migrations": sorted(MigrationRecorder(connection).applied_migrations()),
            "row_counts": counts,
            "files": {m: _sha256(work / m) for m in members},
        }
        (work / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        partial = path.with_suffix(".partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(work / "manifest.json", arcname="manifest.json")
            for member in members:
                tar.add(work / member, arcname=member)
        partial.rename(path)  # a half-written archive never carries the final name
    if keep:
        archives = sorted(directory.glob("districtops-*.tar.gz"))
        for old in archives[:-keep]:
            old.unlink()
    return BackupResult(path=path, manifest=manifest)


@dataclass
class RestoreResult:
    database: str
    row_counts: dict
    files: int
    audit_output: str


def _safe_members(tar: tarfile.TarFile) -> None:
    for member in tar.getmembers():
        name = Path(member.name)
        if name.is_absolute() or ".." in name.parts or not (member.isfile() or member.isdir()):
            raise BackupError(f"备份文件中有不安全的条目：{member.name}")


def _read_archive(archive: Path, work: Path) -> dict:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            _safe_members(tar)
            tar.extractall(work, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"无法读取备份文件：{exc}") from exc
    try:
        manifest = json.loads((work / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError("备份文件缺少 manifest.json，不是本平台的备份") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"备份格式 {manifest.get('format')!r} 不受支持（应为 {FORMAT}）")
    for member, digest in manifest["files"].items():
        path = work / member
        if not path.is_file() or _sha256(path) != digest:
            raise BackupError(f"备份文件已损坏：{member} 的校验值不符")
    return manifest


def _target(database_url: str | None) -> dict:
    if database_url:
        return dj_database_url.parse(database_url)
    return dict(settings.DATABASES["default"])


def _engine(db: dict) -> str:
    engine = db["ENGINE"]
    if "sqlite" in engine:
        return "sqlite"
    if "postgresql" in engine:
        return "postgresql"
    raise BackupError(f"不支持的数据库：{engine}")


def _restore_sqlite(db: dict, source: Path) -> dict[str, int]:
    target = Path(db["NAME"])
    if target.exists() and target.stat().st_size:
        with sqlite3.connect(target) as existing:
            if _sqlite_counts(existing):
                raise BackupError(f"目标数据库 {target} 不是空的：只能恢复到空数据库")
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(source)
    dest = sqlite3.connect(target)
    try:
        src.backup(dest)
        return _sqlite_counts(dest)
    finally:
        src.close()
        dest.close()


def _restore_postgresql(db: dict, source: Path) -> dict[str, int]:
    import psycopg

    with psycopg.connect(**_psycopg_kwargs(db), autocommit=True) as conn:
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0]
        if tables:
            raise BackupError(f"目标数据库 {db['NAME']} 不是空的（{tables} 张表）：只能恢复到空数据库")
    _run(
        ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
         *_pg_args(db), "--dbname", db["NAME"], str(source)],
        env=_pg_env(db),
    )  # fmt: skip
    with psycopg.connect(**_psycopg_kwargs(db), autocommit=True) as conn:
        names = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        return {t: conn.execute(f"SELECT COUNT(*) FROM {_quote(t)}").fetchone()[0] for t in sorted(names)}


def _unparse(db: dict, engine: str) -> str:
    if engine == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db.get("USER") or ""
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    host = f"{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
    return f"postgres://{auth}@{host}/{db['NAME']}" if auth else f"postgres://{host}/{db['NAME']}"


def restore(
    archive: Path,
    database_url: str | None = None,
    media_root: Path | None = None,
    audit_head_dir: Path | None = None,
) -> RestoreResult:
    """Bring an archive back into an empty database, then check counts and the audit chain."""
    db = _target(database_url)
    engine = _engine(db)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    head_dir = Path(audit_head_dir or _audit_head_dir())
    with tempfile.TemporaryDirectory(prefix="districtops-restore-") as tmp:
        work = Path(tmp)
        manifest = _read_archive(archive, work)
        if manifest["engine"] != engine:
            raise BackupError(f"备份来自 {manifest['engine']} 数据库，不能恢复到 {engine}（请用同类数据库）")
        for rel in manifest["files"]:
            if rel.startswith("media/") and (media_root / rel.removeprefix("media/")).exists():
                raise BackupError(f"文件目录中已有 {rel}：恢复不覆盖现有文件")
        source = work / manifest["database"]
        counts = _restore_sqlite(db, source) if engine == "sqlite" else _restore_postgresql(db, source)
        if counts != manifest["row_counts"]:
            wrong = sorted(
                t
                for t in set(counts) | set(manifest["row_counts"])
                if counts.get(t) != manifest["row_counts"].get(t)
            )
            raise BackupError(f"恢复后行数与备份清单不符：{', '.join(wrong[:10])}")
        files = _copy_tree(work / "media", media_root)
        if not (head_dir.is_dir() and any(head_dir.iterdir())):
            _copy_tree(work / "audit-head", head_dir)
        audit_output = verify_audit_on(_unparse(db, engine), head_dir)
    return RestoreResult(
        database=str(db["NAME"]), row_counts=counts, files=len(files), audit_output=audit_output
    )


def verify_audit_on(database_url: str, head_dir: Path) -> str:
    """Run ``verify-audit`` against another database in a fresh process (its own settings)."""
    env = dict(os.environ, DATABASE_URL=database_url, AUDIT_HEAD_DIR=str(head_dir))
    done = subprocess.run(
        [sys.executable, "-m", "districtops.cli", "verify-audit"],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
        cwd=settings.BASE_DIR,
    )
    output = (done.stdout + done.stderr).strip()
    if done.returncode != 0:
        raise BackupError(f"恢复后审计链校验失败：{output[-500:]}")
    return output


def describe(archive: Path) -> dict:
    """The manifest of an archive (for `restore --check`), after checking every member's digest."""
    with tempfile.TemporaryDirectory(prefix="districtops-check-") as tmp:
        return _read_archive(archive, Path(tmp))
