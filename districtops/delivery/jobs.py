"""The delivery jobs, every few minutes (``run-periodic frequent``): try what is due, and ask
DingTalk whether the sent 工作通知 were received."""

from . import services


def check_receipts(log) -> dict:
    counts = services.check_receipts()
    log(
        f"工作通知送达确认：已读 {counts['read']}，未读 {counts['unread']}，"
        f"未送达 {counts['undelivered']}，无法确认 {counts['unknown']}，待确认 {counts['waiting']}"
    )
    return counts


def send_due(log) -> dict:
    counts = services.send_due()
    log(f"消息发送：成功 {counts['sent']}，待重试 {counts['retrying']}，失败 {counts['failed']}")
    return counts
