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
    # Leaders and supervisors of the district see its subscriptions; lists show a person their own.
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
