"""The delivery job: every few minutes (``run-periodic frequent``), try what is due."""

from . import services


def send_due(log) -> dict:
    counts = services.send_due()
    log(f"消息发送：成功 {counts['sent']}，待重试 {counts['retrying']}，失败 {counts['failed']}")
    return counts
