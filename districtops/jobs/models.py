from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("运行中")
    SUCCEEDED = "succeeded", _("成功")
    FAILED = "failed", _("失败")

    @property
    def css(self) -> str:
        return {"succeeded": "bg-green-lt", "failed": "bg-red-lt"}.get(self.value, "bg-blue-lt")


class Job(models.Model):
    """A recorded background job: what ran, for whom, how it went, and its result file."""

    name = models.CharField(_("任务"), max_length=80, db_index=True)
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    log = models.TextField(blank=True)
    result = models.JSONField(null=True, blank=True)
    result_file = models.FileField(upload_to="jobs/%Y/%m/", blank=True)
    # For periodic jobs: one run per (name, run_key), e.g. the day — claimed with a unique row.
    run_key = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("后台任务")
        constraints = [
            models.UniqueConstraint(
                fields=["name", "run_key"], condition=~models.Q(run_key=""), name="job_once_per_key"
            )
        ]

    def __str__(self):
        from districtops.core.dictionary import job_label

        return f"{job_label(self.name)} #{self.pk}"

    @property
    def status_css(self) -> str:
        return JobStatus(self.status).css


class WorkerHeartbeat(models.Model):
    """A running task worker says it is alive every few seconds (readiness reads the newest)."""

    name = models.CharField(_("进程"), max_length=200, unique=True)  # host:pid
    queue = models.CharField(_("队列"), max_length=10)
    started_at = models.DateTimeField(_("启动时间"))
    seen_at = models.DateTimeField(_("最近心跳"), db_index=True)

    class Meta:
        verbose_name = _("任务进程心跳")

    def __str__(self):
        return self.name
