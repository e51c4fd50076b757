from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from districtops.core.models import ScopedManager, VersionedModel
from districtops.core.permissions import ScopeRules


class Channel(models.TextChoices):
    EMAIL = "email", _("电子邮件")
    DINGTALK = "dingtalk", _("钉钉群机器人")
    WECOM = "wecom", _("企业微信群机器人")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("周一")
    TUESDAY = 1, _("周二")
    WEDNESDAY = 2, _("周三")
    THURSDAY = 3, _("周四")
    FRIDAY = 4, _("周五")
    SATURDAY = 5, _("周六")
    SUNDAY = 6, _("周日")


class Subscription(VersionedModel):
    """A leader's weekly summary of one district, sent by e-mail or to a group robot."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cockpit_subscriptions"
    )
    district = models.ForeignKey("org.Unit", verbose_name=_("区"), on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    target = models.CharField(_("收件地址或 Webhook"), max_length=500)
    # DingTalk 加签 secret, SM4-encrypted at rest (core.crypto); empty for e-mail and WeCom.
    secret_encrypted = models.TextField(blank=True, editable=False)
    weekday = models.PositiveSmallIntegerField(_("发送日"), choices=Weekday.choices, default=Weekday.MONDAY)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = ScopedManager()
    # Leaders and supervisors of the district see (view) and cancel (manage) its subscriptions; lists
    # show a person their own and the service lets only the subscriber cancel.
    scope_rules = ScopeRules(district="district")

    class Meta:
        ordering = ["district", "user", "channel"]
        verbose_name = _("周报订阅")
        verbose_name_plural = _("周报订阅")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "district", "channel", "target"], name="subscription_unique"
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.district} · {self.get_channel_display()}"

    @property
    def target_display(self) -> str:
        """The target as pages may show it: a robot's URL (its key is in it) masked."""
        from districtops.core.webhooks import mask_url

        return self.target if self.channel == Channel.EMAIL else mask_url(self.target)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    RETRYING = "retrying", _("重试中")
    FAILED = "failed", _("失败")


class Delivery(models.Model):
    """One week's summary for one subscription: attempts, back-off and the last error.

    Unique per (subscription, week), so the daily job never sends a week twice.
    """

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    week = models.CharField(_("周次"), max_length=8)  # ISO week, "2021-W13"
    status = models.CharField(
        _("状态"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("周报发送记录")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "week"], name="delivery_once_per_week")
        ]

    def __str__(self):
        return f"{self.subscription} · {self.week}"
