"""A person's in-app notifications: what happened that waits for them, read or unread."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    ASSIGNED = "assigned", _("新交办")
    SUPPORTING = "supporting", _("配合办理")
    CLOSURE_REQUESTED = "closure_requested", _("待审核办结")
    RETURNED = "returned", _("退回重办")
    CLOSED = "closed", _("已办结")
    REMINDED = "reminded", _("催办")
    LISTED = "listed", _("挂牌督办")
    EXTENSION_REQUESTED = "extension_requested", _("待审批延期")
    EXTENSION_DECIDED = "extension_decided", _("延期审批")
    DEADLINE_CHANGED = "deadline_changed", _("办理时限调整")
    SUPPORT_FEEDBACK = "support_feedback", _("协办反馈")
    DUE_SOON = "due_soon", _("即将到期")
    OVERDUE = "overdue", _("已逾期")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("接收人"),
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), max_length=2000, blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    object_type = models.CharField(_("对象类型"), max_length=60, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("时间"))
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    # Notifications a daily job may raise again (due soon, overdue) carry a key: once per key.
    dedupe_key = models.CharField(_("去重键"), max_length=120, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_once",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
