"""Tampering with the audit trail is detected and named: rows, the cut tail, anchors, the head file."""

import json

import pytest
from django.db import connection

from districtops.audit import chain, heads
from districtops.audit.models import AuditAnchor, AuditRecord


def _table():
    return connection.ops.quote_name(AuditRecord._meta.db_table)


def _sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement.replace("{t}", _table()), params)


@pytest.fixture
def chained(org):
    """The demo organisation's rows, a head written after the newest one."""
    assert AuditRecord.objects.count() > 60
    heads.write_head()
    assert chain.verify().ok
    return AuditRecord.objects.order_by("-seq").values_list("seq", flat=True).first()


def _broken(*words):
    result = chain.verify()
    assert not result.ok
    text = " ".join(result.problems) + " " + result.reason
    for word in words:
        assert word in text, text
    return result


def test_the_honest_trail_passes_and_a_fresh_install_has_no_head_yet(org, chained):
    result = chain.verify()
    assert result.ok and result.head_seq == chained


def test_cutting_the_newest_row_is_detected(chained):
    _sql("DELETE FROM {t} WHERE seq = %s", [chained])
    _broken(str(chained))


def test_cutting_the_newest_fifty_rows_is_detected(chained):
    _sql("DELETE FROM {t} WHERE seq > %s", [chained - 50])
    _broken(str(chained))


def test_deleting_every_row_is_detected(chained):
    _sql("DELETE FROM {t}")
    _broken()


def test_cutting_the_oldest_rows_with_a_hand_made_anchor_is_detected(chained):
    row = AuditRecord.objects.get(seq=30)
    _sql("DELETE FROM {t} WHERE seq <= 30")
    AuditAnchor.objects.create(last_seq=30, last_hash=row.hash, purged_count=30)
    _broken()


def test_editing_a_row_is_detected_and_named(chained):
    _sql("UPDATE {t} SET message = %s WHERE seq = 7", ["改过"])
    assert _broken().first_broken_seq == 7


def test_deleting_a_middle_row_is_detected(chained):
    _sql("DELETE FROM {t} WHERE seq = 20")
    _broken()


def test_an_edited_head_line_fails_its_mac(chained):
    (path,) = list(heads.head_dir().glob("*.jsonl"))
    lines = path.read_text().splitlines()
    head = json.loads(lines[-1])
    head["seq"] = head["seq"] + 1000
    path.write_text("\n".join([*lines[:-1], json.dumps(head)]) + "\n")
    _broken()
