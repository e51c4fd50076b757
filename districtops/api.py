"""The REST API (django-ninja) under /api/v1/: one NinjaAPI, one router per app.

Authentication: ``Authorization: Bearer <personal token>`` (tokens are created in the
UI or with ``districtops create-token``), or the browser session (for the docs page),
which then needs the CSRF token on writes. Every handler reads through the permission
gate and writes through the services, as the views do.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer

from districtops.accounts.services import authenticate_token
from districtops.core.services import ConflictError


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = authenticate_token(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser session, refused while a password change or second factor is pending."""

    param_name = "sessionid"

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.session.get("second_factor_pending") or user.must_change_password:
            return None
        return user


api = NinjaAPI(
    title="DistrictOps API",
    version="1",
    description="区级经济运行与重点工作调度平台 REST API。所有读写均经过与网页相同的权限与服务层。",
    auth=[BearerToken(), SessionAuth(csrf=True)],
    urls_namespace="api",
    docs_url="/docs",
)


def _validation_payload(exc: ValidationError):
    if hasattr(exc, "error_dict"):
        return [
            {"loc": ["body", field], "msg": message, "type": "value_error"}
            for field, errors in exc.message_dict.items()
            for message in errors
        ]
    return [{"loc": ["body"], "msg": m, "type": "value_error"} for m in exc.messages]


@api.exception_handler(ValidationError)
def _validation_error(request, exc):
    return api.create_response(request, {"detail": _validation_payload(exc)}, status=422)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(request, {"detail": "无权执行此操作。"}, status=403)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"detail": "未找到。"}, status=404)


@api.exception_handler(ConflictError)
def _conflict(request, exc):
    return api.create_response(request, {"detail": str(exc), "current_version": exc.actual}, status=409)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return api.create_response(
        request, {"detail": "需要有效的 API 令牌（Authorization: Bearer …）。"}, status=401
    )


api.add_router("/", "districtops.accounts.api.router")
api.add_router("/org/", "districtops.org.api.router")
api.add_router("/audit/", "districtops.audit.api.router")
api.add_router("/jobs/", "districtops.jobs.api.router")
api.add_router("/projects/", "districtops.projects.api.router")
api.add_router("/supervision/", "districtops.supervision.api.router")
api.add_router("/citizen/", "districtops.citizen.api.router")
api.add_router("/hazards/", "districtops.hazards.api.router")
api.add_router("/deputies/", "districtops.deputies.api.router")
api.add_router("/economy/", "districtops.economy.api.router")
api.add_router("/cockpit/", "districtops.cockpit.api.router")
api.add_router("/notifications/", "districtops.notifications.api.router")
