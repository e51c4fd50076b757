"""The cockpit's recorded jobs: the monthly briefing and the weekly summaries."""

from django.contrib.auth import get_user_model
from django.http import Http404

from . import briefing, delivery, services
from .figures import Month


def generate_briefing(log, *, district_code: str, period: str, user_id: int) -> dict:
    """Build the briefing as the person who asked (their scope decides every figure)."""
    user = get_user_model().objects.get(pk=user_id)
    try:
        district = services.resolve_district(user, district_code)
    except Http404:
        raise PermissionError(f"无权查看区 {district_code} 的驾驶舱") from None
    result = briefing.build(user, district, Month.parse(period), issue=True, job=log.job)
    log(f"生成 {result.basename}（{result.heading['doc_number']}）：{result.seconds:.1f} 秒")
    job_id = log.job.pk
    log.attach(f"{result.basename}.docx", result.docx)
    files = {"xlsx": briefing.store_artifact(job_id, f"{result.basename}-附件.xlsx", result.xlsx)}
    if result.pdf is not None:
        files["pdf"] = briefing.store_artifact(job_id, f"{result.basename}.pdf", result.pdf)
    else:
        log("未安装 LibreOffice，未生成 PDF。")
    pushed = delivery.push_briefing(district, result.summary, result.heading, job_id)
    if pushed["scheduled"]:
        log(
            f"推送订阅：{pushed['scheduled']} 处，已发送 {pushed['sent']}，重试 {pushed['retrying']}，失败 {pushed['failed']}"
        )
    return {
        "files": files,
        "seconds": round(result.seconds, 2),
        "doc_number": result.heading["doc_number"],
        "pushed": pushed["sent"],
    }


def send_weekly_summaries(log) -> dict:
    counts = delivery.send_due()
    log(
        f"周报：新排 {counts['scheduled']}，发送 {counts['sent']}，重试 {counts['retrying']}，失败 {counts['failed']}"
    )
    return counts
