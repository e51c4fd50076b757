from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    pass


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit records are append-only")

    def delete(self):
        raise AppendOnlyError("audit records are append-only; use `districtops purge-audit`")


class AuditRecord(models.Model):
    """One row of the append-only, hash-chained audit trail.

    ``hash`` = keyed SM3 (HMAC) over the row's content and ``prev_hash``; ``seq`` is
    gap-free. Editing, deleting or inserting a row out of band breaks the chain, which
    ``districtops verify-audit`` reports. The actor is kept by id and name, without a
    foreign key, so a record outlives anything it mentions.
    """

    seq = models.BigIntegerField(unique=True)
    created_at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_username = models.CharField(_("操作人"), max_length=150, blank=True)
    actor_unit = models.CharField(_("操作人单位"), max_length=100, blank=True)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True, db_index=True)
    client_ip = models.CharField(_("客户端地址"), max_length=45, blank=True)
    channel = models.CharField(max_length=10, blank=True)
    action = models.CharField(_("动作"), max_length=40, db_index=True)
    outcome = models.CharField(_("结果"), max_length=10, default="success")
    object_type = models.CharField(_("对象类型"), max_length=60, blank=True, db_index=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    message = models.TextField(_("说明"), blank=True)
    algorithm = models.CharField(max_length=16)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("审计记录")
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self):
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("audit records are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit records are append-only")

    def changed_fields(self) -> list[tuple[str, object, object]]:
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class AuditAnchor(models.Model):
    """Left behind by a purge: the chain now starts after ``last_seq`` whose hash was ``last_hash``.

    ``mac`` is HMAC-SM3 (the audit key) over the anchor's fields, and ``purge_seq`` names the
    ``purge`` record written in the same transaction, whose ``after`` repeats the anchor. An
    anchor made by hand (no key) or without its purge record fails ``verify-audit``.
    """

    last_seq = models.BigIntegerField()
    last_hash = models.CharField(max_length=64)
    purged_at = models.DateTimeField(default=timezone.now)
    purged_count = models.PositiveIntegerField()
    purge_seq = models.BigIntegerField(null=True, blank=True)
    mac = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-last_seq"]

    def __str__(self):
        return f"anchor after #{self.last_seq}"
