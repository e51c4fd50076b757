"""What DingTalk and WeCom answer, in words a unit's staff can act on.

Both services answer HTTP 200 with ``{"errcode": n, "errmsg": "…"}``; 0 is success. The codes
are the ones their documentation lists for the group robot, the corp-app message APIs and
``gettoken`` (the global codes tables of open.dingtalk.com and developer.work.weixin.qq.com).
DingTalk's robot answers 310000 for every failed security check; its ``errmsg`` says which.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Expired or invalid access_token (both platforms): fetch a fresh token and try again at once.
TOKEN_EXPIRED = frozenset({40014, 42001})

DINGTALK = {
    -1: gettext_lazy("钉钉系统繁忙，稍后重试"),
    88: gettext_lazy("钉钉鉴权异常（应用无权调用该接口）"),
    40014: gettext_lazy("访问令牌无效"),
    42001: gettext_lazy("访问令牌已过期"),
    40035: gettext_lazy("钉钉：参数不合法"),
    40089: gettext_lazy("AppKey 或 AppSecret 不正确"),
    43004: gettext_lazy("企业未授权该应用"),
    60011: gettext_lazy("应用没有调用该接口的权限"),
    60121: gettext_lazy("钉钉中找不到该用户"),
    71006: gettext_lazy("重复发送相同的工作通知"),
    130101: gettext_lazy("发送太快（每个机器人每分钟最多 20 条），稍后重试"),
    300001: gettext_lazy("机器人 access_token 不存在（Webhook 地址错误或机器人已删除）"),
    300005: gettext_lazy("机器人 access_token 不存在（外部群或已删除）"),
    310000: gettext_lazy("签名不匹配或未通过机器人安全设置"),
    400013: gettext_lazy("群已被解散"),
    400101: gettext_lazy("机器人已停用"),
    400102: gettext_lazy("机器人已停用"),
    400105: gettext_lazy("不支持的消息类型"),
    430101: gettext_lazy("消息内容含不安全的外链"),
    460101: gettext_lazy("消息超过长度上限"),
}
# 310000 is one code for four security checks; the errmsg tells them apart.
DINGTALK_310000 = (
    ("sign not match", gettext_lazy("签名不匹配（加签密钥错误）")),
    ("invalid timestamp", gettext_lazy("时间戳无效（服务器时间与钉钉相差超过 1 小时）")),
    ("keywords not in content", gettext_lazy("消息未包含机器人设置的关键词")),
    ("not in whitelist", gettext_lazy("服务器 IP 不在机器人白名单内")),
)

WECOM = {
    -1: gettext_lazy("企业微信系统繁忙，稍后重试"),
    40001: gettext_lazy("应用 Secret 不正确"),
    40003: gettext_lazy("无效的成员账号"),
    40008: gettext_lazy("不支持的消息类型"),
    40013: gettext_lazy("企业 CorpID 不正确"),
    40014: gettext_lazy("访问令牌无效"),
    40056: gettext_lazy("应用 AgentId 不正确"),
    40058: gettext_lazy("企业微信：参数不合法"),
    41001: gettext_lazy("缺少访问令牌"),
    42001: gettext_lazy("访问令牌已过期"),
    44004: gettext_lazy("消息内容为空"),
    45002: gettext_lazy("消息超过长度上限"),
    45009: gettext_lazy("接口调用超过频率限制，稍后重试"),
    45033: gettext_lazy("接口并发调用超过限制，稍后重试"),
    46004: gettext_lazy("成员不存在"),
    48002: gettext_lazy("应用无权调用该接口"),
    60020: gettext_lazy("服务器 IP 不在企业可信 IP 内"),
    81013: gettext_lazy("接收人均无效或不在应用可见范围内"),
    93000: gettext_lazy("群机器人 Webhook 地址无效（key 错误或机器人已移除）"),
    93004: gettext_lazy("群机器人已停用"),
    93008: gettext_lazy("群机器人不在该群"),
}

# Codes worth waiting for (the service is busy or throttling); every other refusal is retried
# too, but a wrong key or a dissolved group will not heal — the page says so.
TRANSIENT = frozenset({-1, 130101, 45009, 45033})


def _code(errcode) -> int | None:
    try:
        return int(errcode)
    except (TypeError, ValueError):
        return None


def reason(platform: str, errcode, errmsg: str = "") -> str:
    """The Chinese reason for a refusal; an unknown code is shown with the service's own words."""
    code = _code(errcode)
    if platform == "dingtalk" and code == 310000:
        lowered = (errmsg or "").lower()
        for needle, text in DINGTALK_310000:
            if needle in lowered:
                return str(text)
    table = DINGTALK if platform == "dingtalk" else WECOM
    if code in table:
        return str(table[code])
    service = _("钉钉") if platform == "dingtalk" else _("企业微信")
    return _("%(service)s拒绝（错误码 %(code)s）：%(msg)s") % {
        "service": service,
        "code": errcode,
        "msg": (errmsg or "")[:120],
    }
