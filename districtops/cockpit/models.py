from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from districtops.core.models import ScopedManager, VersionedModel
from districtops.core.scoping import ScopeRules
from districtops.core.webhooks import mask_url


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
        return self.target if self.channel == Channel.EMAIL else mask_url(self.target)


class BriefingSettings(VersionedModel):
    """How one district's monthly briefing is headed and signed (GB/T 9704 版头, 署名, 版记).

    A district without a row gets the defaults of ``cockpit.briefing.default_settings``.
    """

    district = models.OneToOneField(
        "org.Unit", verbose_name=_("区"), on_delete=models.PROTECT, related_name="briefing_settings"
    )
    sign = models.CharField(_("发文机关标志"), max_length=120, help_text=_("红色版头，每行一段，用“/”分行"))
    issuer = models.CharField(_("发文机关署名"), max_length=60)
    number_prefix = models.CharField(_("发文字号机关代字"), max_length=20, help_text=_("如“管政办通”"))
    recipients = models.CharField(_("主送机关"), max_length=200, blank=True)
    copy_to = models.CharField(_("抄送机关"), max_length=300, blank=True)
    printer = models.CharField(_("印发机关"), max_length=60, blank=True)
    classification = models.CharField(_("密级和保密期限"), max_length=20, blank=True)
    copy_numbered = models.BooleanField(_("编排份号"), default=False)

    objects = ScopedManager()
    scope_rules = ScopeRules(district="district")

    class Meta:
        verbose_name = _("月度通报设置")
        verbose_name_plural = _("月度通报设置")

    def __str__(self):
        return f"{self.district} · {self.number_prefix}"

    @property
    def sign_lines(self) -> list[str]:
        return [line.strip() for line in self.sign.split("/") if line.strip()]


class IssuedBriefing(models.Model):
    """The register of issued briefings: one row per generated briefing with its 发文字号,
    numbered per district and year (管政办通〔2021〕3号), never reused."""

    district = models.ForeignKey("org.Unit", verbose_name=_("区"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    number = models.PositiveIntegerField(_("顺序号"))
    doc_number = models.CharField(_("发文字号"), max_length=40)
    copy_number = models.CharField(_("份号"), max_length=6, blank=True)
    period = models.CharField(_("报告期"), max_length=7)  # "2021-02"
    title = models.CharField(_("标题"), max_length=200)
    issued_on = models.DateField(_("成文日期"))
    job = models.ForeignKey(
        "jobs.Job",
        verbose_name=_("生成任务"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("生成人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    objects = ScopedManager()
    scope_rules = ScopeRules(district="district")

    class Meta:
        ordering = ["-year", "-number"]
        verbose_name = _("已印发通报")
        verbose_name_plural = _("已印发通报")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "year", "number"], name="briefing_number_once_per_year"
            )
        ]

    def __str__(self):
        return self.doc_number
