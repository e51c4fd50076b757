"""A local fake of the DingTalk and WeCom APIs for tests: a tiny http.server in a thread.

It speaks each endpoint the platform calls — gettoken, the user lookup by mobile, the corp-app
send, DingTalk's getsendresult (what ``receipts`` says of each receiver of a task), the two
group robots — checks the access token it issued, and answers what a test
scripts (``server.script(path, reply, ...)``), else success. Every request is kept in
``server.calls`` as (method, path, query, body).

Use the ``fake_api`` fixture: it starts the server, points DINGTALK_API_BASE / WECOM_API_BASE at
it and lets the SSRF check pass its host:port (WEBHOOK_TEST_HOSTS, honoured outside production
only), and clears the token cache.
"""

from __future__ import annotations

import itertools
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

TOKEN_PATHS = {"/gettoken", "/cgi-bin/gettoken"}
NEEDS_TOKEN = {
    "/topapi/v2/user/getbymobile": "dingtalk",
    "/topapi/message/corpconversation/asyncsend_v2": "dingtalk",
    "/topapi/message/corpconversation/getsendresult": "dingtalk",
    "/cgi-bin/user/getuserid": "wecom",
    "/cgi-bin/message/send": "wecom",
}


class FakeAPI:
    def __init__(self):
        self.calls: list[tuple[str, str, dict, dict]] = []
        self.scripted: dict[str, list[dict]] = {}
        self.tokens: set[str] = set()
        self.counter = itertools.count(1)
        self.users = {}  # mobile → userid
        self.tasks: dict[int, list[str]] = {}  # task_id of a 工作通知 → its receivers
        # What getsendresult says of a receiver: read (the default), unread, failed, invalid,
        # forbidden — or "pending" (in none of the lists yet).
        self.receipts: dict[str, str] = {}
        self.lock = threading.Lock()

    def script(self, path: str, *replies: dict) -> None:
        """The next answers of ``path``, in order; afterwards, success again."""
        self.scripted.setdefault(path, []).extend(replies)

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def calls_to(self, path: str) -> list[tuple[str, str, dict, dict]]:
        return [c for c in self.calls if c[1] == path]

    def answer(self, method: str, path: str, query: dict, body: dict) -> dict:
        with self.lock:
            self.calls.append((method, path, query, body))
            if self.scripted.get(path):
                return self.scripted[path].pop(0)
            if path in TOKEN_PATHS:
                token = f"tok-{next(self.counter)}"
                self.tokens.add(token)
                return {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}
            if path in NEEDS_TOKEN and query.get("access_token") not in self.tokens:
                return {"errcode": 42001, "errmsg": "access_token expired"}
            if path == "/topapi/v2/user/getbymobile":
                userid = self.users.get(body.get("mobile"))
                if not userid:
                    return {"errcode": 60121, "errmsg": "找不到该用户"}
                return {"errcode": 0, "errmsg": "ok", "result": {"userid": userid}}
            if path == "/cgi-bin/user/getuserid":
                userid = self.users.get(body.get("mobile"))
                if not userid:
                    return {"errcode": 46004, "errmsg": "user no exist"}
                return {"errcode": 0, "errmsg": "ok", "userid": userid}
            if path == "/topapi/message/corpconversation/asyncsend_v2":
                task_id = next(self.counter)
                self.tasks[task_id] = [u for u in str(body.get("userid_list", "")).split(",") if u]
                return {"errcode": 0, "errmsg": "ok", "task_id": task_id, "request_id": "r1"}
            if path == "/topapi/message/corpconversation/getsendresult":
                receivers = self.tasks.get(body.get("task_id"))
                if receivers is None:
                    return {"errcode": 40035, "errmsg": "不合法的参数"}
                lists = {name: [] for name in ("read", "unread", "failed", "invalid", "forbidden")}
                forbidden = []
                for user in receivers:
                    state = self.receipts.get(user, "read")
                    if state in lists:
                        lists[state].append(user)
                    if state == "forbidden":
                        forbidden.append({"code": "143106", "count": 1, "userid": user})
                result = {f"{name}_user_id_list": users for name, users in lists.items()}
                result.update(invalid_dept_id_list=[], forbidden_list=forbidden)
                return {"errcode": 0, "errmsg": "ok", "send_result": result, "request_id": "r2"}
            if path == "/cgi-bin/message/send":
                return {"errcode": 0, "errmsg": "ok", "invaliduser": ""}
            if path in ("/robot/send", "/cgi-bin/webhook/send"):
                return {"errcode": 0, "errmsg": "ok"}
            return {"errcode": 404, "errmsg": "请求的URI地址不存在"}


def _handler(api: FakeAPI):
    class Handler(BaseHTTPRequestHandler):
        def _reply(self, method):
            parts = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(parts.query))
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else {}
            data = json.dumps(api.answer(method, parts.path, query, body), ensure_ascii=False).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):  # noqa: N802 — http.server's naming
            self._reply("GET")

        def do_POST(self):  # noqa: N802
            self._reply("POST")

        def log_message(self, *args):
            pass

    return Handler


@pytest.fixture
def fake_api(settings):
    from django.core.cache import cache

    api = FakeAPI()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address
    api.base = f"http://{host}:{port}"
    settings.WEBHOOK_TEST_HOSTS = [f"{host}:{port}"]
    settings.DINGTALK_API_BASE = api.base
    settings.WECOM_API_BASE = api.base
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cache.clear()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        cache.clear()
