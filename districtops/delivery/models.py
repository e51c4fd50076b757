"""Every message the platform sends out — reminders, weekly summaries, notification mail — and
what became of it: one ``Message`` per destination, one ``Attempt`` per try, with the answer the
service gave and, in Chinese, the reason it refused.

A message carries its destination (mail address, robot URL and 加签 secret, the mobiles to
@-mention) SM4-encrypted, so the retry job needs nothing but the row, and a page shows only
``destination_display`` (masked).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from districtops.core.models import ScopedManager, VersionedModel
from districtops.core.scoping import ScopeRules


class Channel(models.TextChoices):
    MAIL = "mail", _("电子邮件")
    DINGTALK_ROBOT = "dingtalk_robot", _("钉钉群机器人")
    WECOM_ROBOT = "wecom_robot", _("企业微信群机器人")
    DINGTALK_WORK = "dingtalk_work", _("钉钉工作通知")
    WECOM_APP = "wecom_app", _("企业微信应用消息")


class Source(models.TextChoices):
    REMINDER = "reminder", _("到期提醒")
    SUMMARY = "summary", _("周报")
    NOTIFICATION = "notification", _("站内通知邮件")
    BRIEFING = "briefing", _("月度通报")


class Status(models.TextChoices):
    PENDING = "pending", _("待发送")
    RETRYING = "retrying", _("重试中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")

    @property
    def css(self) -> str:
        return {"failed": "bg-red", "sent": "bg-green", "retrying": "bg-orange"}.get(
            self.value, "bg-secondary"
        )


class Receipt(models.TextChoices):
    """Whether the person got a sent corp-app message: DingTalk's getsendresult, asked after a
    delay (待确认 → 已读 / 未读 / 未送达 / 无法确认), or WeCom's send answer (未送达 at once)."""

    WAITING = "waiting", _("待确认")
    READ = "read", _("已读")
    UNREAD = "unread", _("未读")
    UNDELIVERED = "undelivered", _("未送达")
    UNKNOWN = "unknown", _("无法确认")

    @property
    def css(self) -> str:
        return {"read": "bg-green", "undelivered": "bg-red", "unread": "bg-orange"}.get(
            self.value, "bg-secondary"
        )


class Message(models.Model):
    """One message to one destination over one channel, and its delivery state."""

    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # Whose message it is: the unit it reminds (its staff see it), in which district (oversight).
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("单位"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    district = models.ForeignKey(
        "org.Unit", verbose_name=_("区"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), max_length=100000)
    destination_encrypted = models.TextField(_("发送目标（加密）"), editable=False)
    destination_display = models.CharField(_("发送目标"), max_length=300, blank=True)
    # Once per key (a reminder digest per unit, kind set and day; a summary per week) — re-running
    # a job never queues a message twice.
    dedupe_key = models.CharField(_("去重键"), max_length=160, blank=True)
    source_ref = models.CharField(_("来源对象"), max_length=60, blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    parts_sent = models.PositiveSmallIntegerField(_("已发送分段"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    last_errcode = models.CharField(_("错误码"), max_length=20, blank=True)
    last_reason = models.CharField(_("失败原因"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    # Delivery confirmation of a corp-app message (Receipt); the detail keeps the task ids asked
    # about and the platform's lists (read, unread, failed, invalid, forbidden, unlicensed).
    receipt = models.CharField(_("送达确认"), max_length=12, choices=Receipt.choices, blank=True)
    receipt_detail = models.JSONField(_("送达确认详情"), default=dict, blank=True)
    receipt_reason = models.CharField(_("送达说明"), max_length=300, blank=True)
    receipt_due_at = models.DateTimeField(_("下次确认"), null=True, blank=True)
    receipt_checked_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    objects = ScopedManager()
    # A unit's staff see the unit's messages; leaders and supervisors see the whole district's.
    scope_rules = ScopeRules(district="district", lead=("unit",))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("外发消息")
        verbose_name_plural = _("外发消息")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="message_due"),
            models.Index(fields=["receipt", "receipt_due_at"], name="message_receipt_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"], condition=~models.Q(dedupe_key=""), name="message_once"
            )
        ]

    def __str__(self):
        return f"{self.get_channel_display()} · {self.subject}"

    @property
    def status_css(self) -> str:
        return Status(self.status).css

    @property
    def receipt_css(self) -> str:
        return Receipt(self.receipt).css if self.receipt else ""


class Attempt(models.Model):
    """One try of a message: when, whether it went out, the answer, the reason in words."""

    message = models.ForeignKey(
        Message, verbose_name=_("外发消息"), on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveSmallIntegerField(_("第几次"))
    at = models.DateTimeField(_("时间"))
    ok = models.BooleanField(_("成功"), default=False)
    errcode = models.CharField(_("错误码"), max_length=20, blank=True)
    answer = models.TextField(_("对方应答"), max_length=2000, blank=True)
    reason = models.CharField(_("失败原因"), max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)

    class Meta:
        ordering = ["message", "number"]
        verbose_name = _("发送尝试")
        verbose_name_plural = _("发送尝试")

    def __str__(self):
        return f"{self.message_id} #{self.number}"


class Platform(models.TextChoices):
    DINGTALK = "dingtalk", _("钉钉")
    WECOM = "wecom", _("企业微信")


class CorpApp(VersionedModel):
    """A district's corp app (钉钉企业内部应用 / 企业微信自建应用): what sends a message to one person.

    The corp id (DingTalk AppKey / WeCom CorpID), the agent id and the secret are kept together
    SM4-encrypted; the secret is write-only (forms show that one is set, never what it is).
    """

    district = models.ForeignKey("org.Unit", verbose_name=_("区"), on_delete=models.CASCADE, related_name="+")
    platform = models.CharField(_("平台"), max_length=10, choices=Platform.choices)
    credentials_encrypted = models.TextField(_("应用凭据（加密）"), editable=False)
    corp_id_display = models.CharField(_("企业标识"), max_length=60, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = ScopedManager()
    # Organisation settings: seen in one's own districts, changed by the district's system admin.
    scope_rules = ScopeRules(district="district", org=True)

    class Meta:
        ordering = ["district", "platform"]
        verbose_name = _("企业应用")
        verbose_name_plural = _("企业应用")
        constraints = [models.UniqueConstraint(fields=["district", "platform"], name="corp_app_once")]

    def __str__(self):
        return f"{self.district} · {self.get_platform_display()}"
