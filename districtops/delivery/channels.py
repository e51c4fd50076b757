"""The transports: Django mail, the two group robots, and the two corp-app person-to-person APIs.

Each ``send_*`` takes the decrypted destination, the subject, the body and the part to start
from (a split message resumes where its last try stopped) and returns how many parts are out,
or raises ``Refused`` with the service's errcode, its answer and the reason in Chinese.
Every HTTP call goes through ``core.webhooks`` (host re-checked at send time, no redirects).

Size limits, split at line boundaries and numbered （1/2）:
- DingTalk robot and 工作通知: 20,000 bytes (markdown);
- WeCom robot: markdown 4,096 bytes — but its markdown cannot @-mention by mobile, so a message
  that must mention someone goes as text (2,048 bytes) with ``mentioned_mobile_list``;
- WeCom 应用消息: markdown 2,048 bytes.

Access tokens (gettoken) are kept in the Django cache (Redis in production) until shortly
before they expire, and fetched again at once when a call answers 40014/42001.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import time
import urllib.parse
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.utils.translation import gettext as _

from districtops.core import crypto, webhooks

from . import errcodes

DINGTALK_ROBOT_BYTES = 20000
DINGTALK_WORK_BYTES = 20000
WECOM_ROBOT_MARKDOWN_BYTES = 4096
WECOM_ROBOT_TEXT_BYTES = 2048
WECOM_APP_BYTES = 2048
TIMEOUT_SECONDS = 5


class Refused(Exception):
    """A try that did not get (all of) the message out."""

    def __init__(self, reason: str, *, errcode="", answer: str = "", parts_sent: int = 0):
        super().__init__(reason)
        self.reason, self.errcode, self.answer, self.parts_sent = reason, str(errcode), answer, parts_sent


@dataclass
class Sent:
    parts_sent: int
    answer: str = ""
    # A corp-app message: the person's account id, DingTalk's task ids (asked about later by
    # ``send_result``), and whom WeCom's answer names as not reached ({"invalid": [...],
    # "unlicensed": [...]}: accepted, but not delivered to them).
    userid: str = ""
    task_ids: list[int] = field(default_factory=list)
    undelivered: dict = field(default_factory=dict)


def api_base(platform: str) -> str:
    if platform == "dingtalk":
        return getattr(settings, "DINGTALK_API_BASE", "https://oapi.dingtalk.com").rstrip("/")
    return getattr(settings, "WECOM_API_BASE", "https://qyapi.weixin.qq.com").rstrip("/")


# ------------------------------------------------------------------------------ splitting


def _cut(line: str, limit: int) -> list[str]:
    """A line longer than ``limit`` bytes, cut at character boundaries."""
    pieces, current = [], ""
    for ch in line:
        if len((current + ch).encode()) > limit:
            pieces.append(current)
            current = ""
        current += ch
    return [*pieces, current]


def split(text: str, limit: int, *, first_reserve: int = 0) -> list[str]:
    """``text`` in parts of at most ``limit`` bytes, cut at line ends, numbered （i/n） when
    more than one; the first part keeps ``first_reserve`` bytes free (for an @-mention line)."""
    if len(text.encode()) + first_reserve <= limit:
        return [text]
    prefix_room = len("（99/99）\n".encode())
    parts, current = [], []

    def room() -> int:
        return limit - prefix_room - (first_reserve if not parts else 0)

    for line in text.split("\n"):
        for piece in _cut(line, room()) if len(line.encode()) > room() else [line]:
            candidate = "\n".join([*current, piece])
            if current and len(candidate.encode()) > room():
                parts.append("\n".join(current))
                current = [piece]
            else:
                current.append(piece)
    if current:
        parts.append("\n".join(current))
    total = len(parts)
    return [f"（{i}/{total}）\n{part}" for i, part in enumerate(parts, 1)]


# ------------------------------------------------------------------------------ mail


def send_mail_message(destination: dict, subject: str, body: str, start: int) -> Sent:
    address = destination["address"]
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address], fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        raise Refused(_("收件地址被邮件服务器拒绝"), answer=str(exc)[:2000]) from None
    except smtplib.SMTPAuthenticationError as exc:
        raise Refused(_("邮件服务器登录失败"), errcode=exc.smtp_code, answer=str(exc)[:2000]) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise Refused(
            _("邮件服务器拒绝或无法连接：%(error)s") % {"error": type(exc).__name__}, answer=str(exc)[:2000]
        ) from None
    return Sent(1)


# ------------------------------------------------------------------------------ robots


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    """DingTalk robot 加签: sign = urlencode(base64(HmacSHA256(secret, f"{timestamp}\\n{secret}")))."""
    timestamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}timestamp={timestamp}&sign={sign}"


def _post(platform: str, url: str, payload: dict, done: int) -> dict:
    """POST one part; a refusal becomes ``Refused`` with the reason in words."""
    try:
        return webhooks.post_json(url, payload, timeout=TIMEOUT_SECONDS)
    except webhooks.RobotRefused as exc:
        raise Refused(
            errcodes.reason(platform, exc.errcode, exc.errmsg),
            errcode=exc.errcode,
            answer=json.dumps(exc.reply, ensure_ascii=False)[:2000],
            parts_sent=done,
        ) from None
    except webhooks.UnsafeWebhook as exc:
        raise Refused(_("地址不安全，已拒绝发送：%(why)s") % {"why": exc}, parts_sent=done) from None
    except OSError as exc:
        raise Refused(
            _("无法连接或对方出错：%(error)s") % {"error": str(exc)[:150] or type(exc).__name__},
            parts_sent=done,
        ) from None


def dingtalk_robot_payloads(subject: str, body: str, mobiles: list[str]) -> list[dict]:
    mention = " ".join(f"@{m}" for m in mobiles)
    # In markdown the @-mention is shown only when "@mobile" is in the text, too.
    parts = split(body, DINGTALK_ROBOT_BYTES, first_reserve=len(mention.encode()) + 2 if mention else 0)
    payloads = []
    for i, part in enumerate(parts):
        text = f"{part}\n\n{mention}" if (mention and i == 0) else part
        payload = {"msgtype": "markdown", "markdown": {"title": subject, "text": text}}
        if mobiles and i == 0:
            payload["at"] = {"atMobiles": mobiles, "isAtAll": False}
        payloads.append(payload)
    return payloads


def wecom_robot_payloads(subject: str, body: str, mobiles: list[str]) -> list[dict]:
    if mobiles:
        parts = split(body.replace("**", ""), WECOM_ROBOT_TEXT_BYTES)  # text shows no markdown
        payloads = [{"msgtype": "text", "text": {"content": part}} for part in parts]
        payloads[0]["text"]["mentioned_mobile_list"] = list(mobiles)
        return payloads
    parts = split(body, WECOM_ROBOT_MARKDOWN_BYTES)
    return [{"msgtype": "markdown", "markdown": {"content": part}} for part in parts]


def send_robot(platform: str, destination: dict, subject: str, body: str, start: int) -> Sent:
    mobiles = destination.get("mobiles", [])
    text = f"**{subject}**\n{body}"
    build = dingtalk_robot_payloads if platform == "dingtalk" else wecom_robot_payloads
    payloads = build(subject, text, mobiles)
    answer = ""
    for index in range(start, len(payloads)):
        url = destination["url"]
        if platform == "dingtalk" and destination.get("secret"):
            url = dingtalk_signed_url(url, destination["secret"])  # a fresh timestamp every part
        answer = json.dumps(_post(platform, url, payloads[index], index), ensure_ascii=False)[:2000]
    return Sent(len(payloads), answer)


# ------------------------------------------------------------------------------ corp apps


def _token_key(platform: str, corp_id: str) -> str:
    return f"delivery:token:{platform}:{crypto.digest(corp_id.encode())[:24]}"


def access_token(platform: str, creds: dict, *, refresh: bool = False) -> str:
    """The app's access token, from the cache unless ``refresh`` (or absent)."""
    key = _token_key(platform, creds["corp_id"])
    if not refresh:
        token = cache.get(key)
        if token:
            return token
    if platform == "dingtalk":
        query = {"appkey": creds["corp_id"], "appsecret": creds["secret"]}
        url = f"{api_base('dingtalk')}/gettoken?{urllib.parse.urlencode(query)}"
    else:
        query = {"corpid": creds["corp_id"], "corpsecret": creds["secret"]}
        url = f"{api_base('wecom')}/cgi-bin/gettoken?{urllib.parse.urlencode(query)}"
    try:
        reply = webhooks.call_json("GET", url, timeout=TIMEOUT_SECONDS)
    except OSError as exc:
        raise Refused(_("无法获取访问令牌：%(error)s") % {"error": str(exc)[:150]}) from None
    if reply.get("errcode", 0) not in (0, "0") or not reply.get("access_token"):
        # The answer of gettoken is not kept: the request carried the secret, the reply may a token.
        raise Refused(
            errcodes.reason(platform, reply.get("errcode"), str(reply.get("errmsg", ""))),
            errcode=reply.get("errcode", ""),
        )
    token = reply["access_token"]
    lifetime = int(reply.get("expires_in") or 7200)
    cache.set(key, token, timeout=max(60, lifetime - 300))
    return token


def _call(platform: str, creds: dict, path: str, payload: dict, done: int = 0) -> dict:
    """POST to an API that takes ``access_token``; an expired token is fetched again once."""
    for refresh in (False, True):
        token = access_token(platform, creds, refresh=refresh)
        url = f"{api_base(platform)}{path}?{urllib.parse.urlencode({'access_token': token})}"
        try:
            reply = webhooks.call_json("POST", url, payload, timeout=TIMEOUT_SECONDS)
        except OSError as exc:
            raise Refused(
                _("无法连接或对方出错：%(error)s") % {"error": str(exc)[:150] or type(exc).__name__},
                parts_sent=done,
            ) from None
        code = errcodes._code(reply.get("errcode", 0))
        if code in errcodes.TOKEN_EXPIRED and not refresh:
            continue
        if code not in (0, None):
            raise Refused(
                errcodes.reason(platform, reply.get("errcode"), str(reply.get("errmsg", ""))),
                errcode=reply.get("errcode"),
                answer=json.dumps(reply, ensure_ascii=False)[:2000],
                parts_sent=done,
            )
        return reply
    raise AssertionError("unreachable")  # pragma: no cover


def user_id(platform: str, creds: dict, mobile: str) -> str:
    """The person's account id on the platform, looked up by mobile (cached a day)."""
    key = f"delivery:userid:{platform}:{crypto.digest((creds['corp_id'] + mobile).encode())[:24]}"
    found = cache.get(key)
    if found:
        return found
    if platform == "dingtalk":
        reply = _call(platform, creds, "/topapi/v2/user/getbymobile", {"mobile": mobile})
        found = (reply.get("result") or {}).get("userid", "")
    else:
        reply = _call(platform, creds, "/cgi-bin/user/getuserid", {"mobile": mobile})
        found = reply.get("userid", "")
    if not found:
        raise Refused(_("在企业通讯录中找不到该手机号"))
    cache.set(key, found, timeout=86400)
    return found


def send_work_notice(platform: str, destination: dict, subject: str, body: str, start: int) -> Sent:
    """钉钉工作通知 (asyncsend_v2) or 企业微信应用消息 (message/send) to one person."""
    from .models import CorpApp

    app = CorpApp.objects.filter(pk=destination["app"], is_active=True).first()
    if app is None:
        raise Refused(_("企业应用未配置或已停用"))
    creds = json.loads(crypto.sm4_decrypt(app.credentials_encrypted, "delivery"))
    userid = user_id(platform, creds, destination["mobile"])
    limit = DINGTALK_WORK_BYTES if platform == "dingtalk" else WECOM_APP_BYTES
    parts = split(f"**{subject}**\n{body}", limit)
    answer, task_ids = "", []
    for index in range(start, len(parts)):
        if platform == "dingtalk":
            payload = {
                "agent_id": int(creds["agent_id"]),
                "userid_list": userid,
                "msg": {"msgtype": "markdown", "markdown": {"title": subject, "text": parts[index]}},
            }
            reply = _call(platform, creds, "/topapi/message/corpconversation/asyncsend_v2", payload, index)
            if reply.get("task_id") is not None:
                task_ids.append(reply["task_id"])
        else:
            payload = {
                "touser": userid,
                "msgtype": "markdown",
                "agentid": int(creds["agent_id"]),
                "markdown": {"content": parts[index]},
            }
            reply = _call(platform, creds, "/cgi-bin/message/send", payload, index)
            answer = json.dumps(reply, ensure_ascii=False)[:2000]
            # errcode 0, yet some receivers not reached: an invalid account (left, outside the
            # app's visible range) or one without an interface licence. Accepted, not delivered:
            # sending the rest of the parts, or again, will not reach them.
            undelivered = {
                key: [u for u in str(reply.get(field_name) or "").split("|") if u]
                for key, field_name in (("invalid", "invaliduser"), ("unlicensed", "unlicenseduser"))
            }
            undelivered = {k: v for k, v in undelivered.items() if v}
            if undelivered:
                return Sent(index + 1, answer, userid=userid, undelivered=undelivered)
        answer = json.dumps(reply, ensure_ascii=False)[:2000]
    return Sent(len(parts), answer, userid=userid, task_ids=task_ids)


# The lists of DingTalk's getsendresult answer (send_result), under the names kept on a message.
SEND_RESULT_LISTS = {
    "read": "read_user_id_list",
    "unread": "unread_user_id_list",
    "failed": "failed_user_id_list",
    "invalid": "invalid_user_id_list",
    "forbidden": "forbidden_user_id_list",
}


def send_result(destination: dict, task_ids: list[int]) -> dict:
    """What DingTalk says became of sent 工作通知 (topapi/message/corpconversation/getsendresult,
    one call per task id — queryable for about a day after the send): the user id lists merged
    over the tasks ({"read": [...], "unread": [...], "failed": [...], "invalid": [...],
    "forbidden": [...]}) plus the reasons of ``forbidden_list`` (throttling codes). Raises
    ``Refused`` (errcode in words; an expired token is fetched again once)."""
    from .models import CorpApp

    app = CorpApp.objects.filter(pk=destination["app"], is_active=True).first()
    if app is None:
        raise Refused(_("企业应用未配置或已停用"))
    creds = json.loads(crypto.sm4_decrypt(app.credentials_encrypted, "delivery"))
    merged: dict[str, list] = {key: [] for key in SEND_RESULT_LISTS}
    merged["forbidden_codes"] = []
    for task_id in task_ids:
        payload = {"agent_id": int(creds["agent_id"]), "task_id": int(task_id)}
        reply = _call("dingtalk", creds, "/topapi/message/corpconversation/getsendresult", payload)
        result = reply.get("send_result") or {}
        for key, name in SEND_RESULT_LISTS.items():
            for user in result.get(name) or []:
                if str(user) not in merged[key]:
                    merged[key].append(str(user))
        for item in result.get("forbidden_list") or []:
            merged["forbidden_codes"].append(str(item.get("code", "")))
    return merged


def send(channel: str, destination: dict, subject: str, body: str, start: int = 0) -> Sent:
    from .models import Channel

    if channel == Channel.MAIL:
        return send_mail_message(destination, subject, body, start)
    if channel == Channel.DINGTALK_ROBOT:
        return send_robot("dingtalk", destination, subject, body, start)
    if channel == Channel.WECOM_ROBOT:
        return send_robot("wecom", destination, subject, body, start)
    if channel == Channel.DINGTALK_WORK:
        return send_work_notice("dingtalk", destination, subject, body, start)
    if channel == Channel.WECOM_APP:
        return send_work_notice("wecom", destination, subject, body, start)
    raise ValueError(f"unknown channel {channel!r}")
