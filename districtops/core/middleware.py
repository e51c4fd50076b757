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
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
