import re
import uuid

from . import context

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def client_ip(request) -> str | None:
    # Behind the reverse proxy (README: production) the proxy sets X-Real-IP; we trust
    # it only in production settings, where the app servers listen on the proxy's network alone.
    from django.conf import settings

    if getattr(settings, "PRODUCTION", False):
        forwarded = request.META.get("HTTP_X_REAL_IP")
        if forwarded:
            return forwarded.strip()
    return request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    """Gives every request an id (kept from X-Request-ID when well-formed) for the audit trail."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        channel = "api" if request.path.startswith("/api/") or request.path.startswith("/open311/") else "web"
        request.request_id = request_id
        token = context.set_for_request(context.RequestContext(request_id, client_ip(request), channel))
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response


def _accepted_language(header: str, supported: set[str]) -> str:
    """The first language of an Accept-Language header the platform speaks ("" when none)."""
    from django.utils.translation.trans_real import parse_accept_lang_header

    for code, _quality in parse_accept_lang_header(header):
        code = code.lower()
        for candidate in (code, code.split("-")[0], "zh-hans" if code.startswith("zh") else ""):
            if candidate in supported:
                return candidate
    return ""


class LanguageChoiceMiddleware:
    """zh-Hans unless the person chose English with the switch (the language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language; a civil
    servant's borrowed or English-language browser should not turn the platform English.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        if chosen not in supported and request.path.startswith(("/api/", "/open311/")):
            # A script cannot flip the switch: the API and the Open311 endpoint follow
            # Accept-Language (zh-Hans without it).
            chosen = _accepted_language(request.headers.get("Accept-Language", ""), supported)
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        # One request's language ends with it: code that runs after in the same thread (a worker,
        # the next test) must not write English labels into stored text.
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class BadInputMiddleware:
    """A ValidationError that escapes a page view (a forged filter value, say) is the client's
    mistake: 400 with the message, never a 500. The API maps it to 422 itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.core.exceptions import ValidationError
        from django.shortcuts import render

        if not isinstance(exception, ValidationError):
            return None
        if hasattr(exception, "error_dict"):
            problems = [f"{field}: {m}" for field, msgs in exception.message_dict.items() for m in msgs]
        else:
            problems = list(exception.messages)
        return render(request, "400.html", {"problems": problems}, status=400)


def _too_large(path: str, message: str):
    """413 in the shape the endpoint speaks: Open311's error list for .json/.xml, else text."""
    from xml.sax.saxutils import escape

    from django.http import HttpResponse, JsonResponse

    if path.endswith(".json"):
        return JsonResponse([{"code": 413, "description": message}], status=413, safe=False,
                            json_dumps_params={"ensure_ascii": False})  # fmt: skip
    if path.endswith(".xml"):
        body = (
            '<?xml version="1.0" encoding="utf-8"?><errors><error><code>413</code>'
            f"<description>{escape(message)}</description></error></errors>"
        )
        return HttpResponse(body, status=413, content_type="text/xml; charset=utf-8")
    return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")


class PublicBodyLimitMiddleware:
    """The pages and API a stranger can post to (PUBLIC_PATH_PREFIXES) take a small body:
    PUBLIC_BODY_MAX_BYTES (one photo and a form), checked on Content-Length before anything
    reads the body. Staff paths keep DATA_UPLOAD_MAX_MEMORY_SIZE (Excel imports)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings
        from django.utils.translation import gettext as _

        prefixes = tuple(getattr(settings, "PUBLIC_PATH_PREFIXES", ()))
        if prefixes and request.path.startswith(prefixes):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = -1
            limit = settings.PUBLIC_BODY_MAX_BYTES
            if length < 0 or length > limit:
                message = _("请求过大：公众提交的内容不得超过 %(size)s KB。") % {"size": limit // 1024}
                return _too_large(request.path, message)
        return self.get_response(request)


class ApiJsonErrorsMiddleware:
    """Every error under /api/ answers JSON ({"detail": …}), as the API's own handlers do —
    also the ones Django or django-ninja answer before a handler runs: an unknown route (404),
    a method the route does not take (405, Allow header kept), a server error (500)."""

    PREFIX = "/api/"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(self.PREFIX) or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        return self._json(response.status_code, response)

    def process_exception(self, request, exception):
        if not request.path.startswith(self.PREFIX):
            return None
        from django.core.exceptions import PermissionDenied
        from django.http import Http404

        if isinstance(exception, Http404):
            return self._json(404)
        if isinstance(exception, PermissionDenied):
            return self._json(403)
        return None  # a real server error: logged by Django, answered below as JSON 500

    @staticmethod
    def _json(status: int, original=None):
        from django.http import JsonResponse
        from django.utils.translation import gettext as _

        messages = {
            400: _("请求格式有误。"),
            403: _("无权执行此操作。"),
            404: _("未找到。"),
            405: _("该地址不支持此请求方法。"),
            413: _("请求过大。"),
            500: _("服务器内部错误，请稍后重试。"),
        }
        body = {"detail": messages.get(status, _("请求失败。"))}
        response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
        if original is not None and original.has_header("Allow"):
            response["Allow"] = original["Allow"]
        return response
