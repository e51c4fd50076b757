"""The REST API (django-ninja) under /api/v1/: one NinjaAPI, one router per app.

Authentication: ``Authorization: Bearer <personal token>`` (tokens are created in the
UI or with ``districtops create-token``), or the browser session (for the docs page),
which then needs the CSRF token on writes. Every handler reads through the permission
gate and writes through the services, as the views do.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import Swagger
from ninja.security import APIKeyCookie, HttpBearer

from districtops.accounts.services import authenticate_token
from districtops.gate.services import ConflictError


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = authenticate_token(token)
        if user is not None:
            request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The browser session, refused while a password change or second factor is pending."""

    param_name = "sessionid"

    def _get_key(self, request):
        # A client that sent a bearer token is authenticated by it alone: a bad token answers
        # 401, not the session's CSRF refusal (403 "CSRF check Failed"). The CSRF check is
        # only for requests that carry the session cookie.
        if request.headers.get("Authorization") or self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.session.get("second_factor_pending") or user.must_change_password:
            return None
        return user


class ErrorItem(Schema):
    loc: list[str | int] = []
    msg: str
    type: str = "value_error"


class ErrorOut(Schema):
    """Every API error: ``detail`` is a message, or for 422 a list of {loc, msg, type}."""

    detail: str | list[ErrorItem]
    current_version: int | None = None


# Declared on every operation (ErrorOut), beside whatever body the operation declares itself.
ERROR_RESPONSES = {
    "400": "请求格式有误（如无法解析的请求体）",
    "401": "未认证：缺少或无效的 API 令牌",
    "403": "无权执行此操作",
    "404": "未找到（含不在权限范围内的对象）",
    "422": "参数或内容校验未通过（loc 指出字段）",
}
WRITE_ERROR_RESPONSES = {"409": "版本冲突：对象已被他人修改", **ERROR_RESPONSES}


class DistrictOpsAPI(NinjaAPI):
    """The NinjaAPI with one error schema declared on every operation of the OpenAPI document
    (django-ninja has no global ``responses`` option, so the generated schema is completed here)."""

    def get_openapi_operation_id(self, operation) -> str:
        """``hazards_list`` for hazards.api.list_hazards: the app, then the handler's name less the
        words that only repeat the app's name (django-ninja's default is the dotted module path,
        ``districtops_hazards_api_list_hazards``)."""
        return operation_id(operation.view_func.__module__, operation.view_func.__name__)

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        error_schema = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(error_schema.pop("$defs", {}))
        components["ErrorOut"] = error_schema
        ref = {"$ref": "#/components/schemas/ErrorOut"}
        for methods in schema.get("paths", {}).values():
            for method, operation in methods.items():
                codes = ERROR_RESPONSES if method == "get" else WRITE_ERROR_RESPONSES
                responses = {str(k): v for k, v in operation.get("responses", {}).items()}
                operation["responses"] = responses
                for code, text in codes.items():
                    declared = responses.get(code)
                    if declared is None:
                        responses[code] = {
                            "description": text,
                            "content": {"application/json": {"schema": ref}},
                        }
                        continue
                    content = declared.setdefault("content", {}).setdefault("application/json", {})
                    own = content.get("schema")
                    content["schema"] = {"anyOf": [own, ref]} if own and own != ref else ref
        return schema


def operation_id(module: str, name: str) -> str:
    app = module.split(".")[1] if module.startswith("districtops.") else module.split(".")[0]
    repeats = {app, app.rstrip("s"), app.removesuffix("ies") + "y"}
    words = [w for w in name.split("_") if w not in repeats] or [name]
    return f"{app}_{'_'.join(words)}"


class LocalSwagger(Swagger):
    """Swagger UI from swagger-ui-dist in node_modules (staticfiles), no CDN: the intranet is offline."""

    template = "api_docs.html"

    def render_page(self, request, api, **kwargs):
        from django.shortcuts import render
        from ninja.openapi.docs import _csrf_needed

        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        context = {"swagger_settings": settings, "api": api, "add_csrf": _csrf_needed(api)}
        return render(request, self.template, context)


api = DistrictOpsAPI(
    title="DistrictOps API",
    version="1",
    description="区级经济运行与重点工作调度平台 REST API。所有读写均经过与网页相同的权限与服务层。",
    auth=[BearerToken(), SessionAuth(csrf=True)],
    urls_namespace="api",
    docs=LocalSwagger(),
    docs_url="/docs",
)


def _validation_payload(request, exc: ValidationError):
    where = "query" if request.method in ("GET", "HEAD") else "body"
    if hasattr(exc, "error_dict"):
        return [
            {"loc": [where, field], "msg": message, "type": "value_error"}
            for field, errors in exc.message_dict.items()
            for message in errors
        ]
    return [{"loc": [where], "msg": m, "type": "value_error"} for m in exc.messages]


@api.exception_handler(ValidationError)
def _validation_error(request, exc):
    return api.create_response(request, {"detail": _validation_payload(request, exc)}, status=422)


@api.exception_handler(NinjaValidationError)
def _invalid_params(request, exc):
    """A parameter or body field that does not validate: 422, each message in the interface
    language with the field's path ("字段 body.title：不能为空")."""
    from districtops.gate.api_utils import translate_errors

    return api.create_response(request, {"detail": translate_errors(exc.errors)}, status=422)


@api.exception_handler(HttpError)
def _http_error(request, exc):
    messages = {
        400: _("请求体无法解析：须为有效的 JSON（或表单）。"),
        401: _("需要有效的 API 令牌（Authorization: Bearer …）。"),
        403: _("无权执行此操作。"),
        429: _("请求过于频繁，请稍后重试。"),
    }
    return api.create_response(
        request, {"detail": messages.get(exc.status_code, str(exc))}, status=exc.status_code
    )


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(request, {"detail": _("无权执行此操作。")}, status=403)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"detail": _("未找到。")}, status=404)


@api.exception_handler(ConflictError)
def _conflict(request, exc):
    return api.create_response(request, {"detail": str(exc), "current_version": exc.actual}, status=409)


def _out_of_range_params(request) -> list[dict]:
    """The integer parameters past the database's 64-bit range (whatever the handler typed them)."""
    from districtops.core.params import MAX_ID

    def too_big(value) -> bool:
        text = str(value).strip().lstrip("+-")
        return text.isascii() and text.isdigit() and int(text) > MAX_ID

    match = getattr(request, "resolver_match", None)
    found = [("path", k, v) for k, v in (match.kwargs if match else {}).items()]
    found += [("query", k, v) for k, values in request.GET.lists() for v in values]
    return [
        {"loc": [where, name], "msg": _("%(name)s 超出取值范围。") % {"name": name}, "type": "value_error"}
        for where, name, value in found
        if too_big(value)
    ]


@api.exception_handler(OverflowError)
def _out_of_range(request, exc):
    # An id or number past 64 bits reaches the database driver only to overflow there
    # (SQLite: "Python int too large"): the client's mistake, 422 naming the parameter.
    detail = _out_of_range_params(request) or [
        {"loc": ["query"], "msg": _("数值超出取值范围。"), "type": "value_error"}
    ]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return api.create_response(
        request, {"detail": _("需要有效的 API 令牌（Authorization: Bearer …）。")}, status=401
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
api.add_router("/delivery/", "districtops.delivery.api.router")
