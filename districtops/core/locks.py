"""Serialising writers that would otherwise race (read-then-write on the same rows).

On PostgreSQL a transaction-scoped advisory lock keyed by name; on SQLite nothing is
needed, because the platform opens write transactions IMMEDIATE (one writer at a time).
Call inside ``transaction.atomic()``; the lock ends with the transaction.
"""

import zlib

from django.db import connection


def serialise(name: str) -> None:
    if connection.vendor != "postgresql":
        return
    key = zlib.crc32(name.encode()) - 2**31  # a signed 32-bit key, stable across processes
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
