"""The write path every app uses: permission, validation, audit row, scope re-check — one transaction.

App services (``org.services.create_unit``, ``projects.services.transition_stage`` …)
are thin compositions of these helpers, so a web form, the API, an Excel import and a
management command all write the same way. Views and API handlers never call
``save()`` or ``delete()`` themselves.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Callable, Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _

from districtops.audit import chain
from districtops.core import webhooks

from . import permissions


class ConflictError(Exception):
    """The object changed since the form or API client read it."""

    def __init__(self, obj, expected: int | None, actual: int):
        self.obj, self.expected, self.actual = obj, expected, actual
        super().__init__(
            f"“{obj}”已被他人修改（您的版本 {expected}，当前版本 {actual}），请刷新后重新编辑；您的修改未保存。"
        )


def _json_value(value):
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, bytes):
        return None
    return value


SNAPSHOT_SKIP = {"password", "totp_secret_encrypted", "digest", "last_login", "created_at", "updated_at"}
# Credentials the audit trail (and every history tab) shows masked: a robot's URL carries its key.
SNAPSHOT_MASK_URL = {"webhook_url", "target"}
SNAPSHOT_MASK = {
    "webhook_secret",
    "secret_encrypted",
    "key_digest",
    "mobile_encrypted",
    "credentials_encrypted",
}


def snapshot(obj, m2m: bool = True) -> dict:
    """A JSON-safe picture of the object's fields for the audit trail (secrets left out)."""
    data = {}
    for f in obj._meta.concrete_fields:
        if f.name in SNAPSHOT_SKIP:
            continue
        value = _json_value(getattr(obj, f.attname))
        if f.name in SNAPSHOT_MASK and value:
            value = webhooks.mask_secret(value)
        elif f.name in SNAPSHOT_MASK_URL and isinstance(value, str) and value.startswith(("http:", "https:")):
            value = webhooks.mask_url(value)
        data[f.attname] = value
    if m2m and obj.pk:
        for f in obj._meta.many_to_many:
            data[f.name] = sorted(getattr(obj, f.name).values_list("pk", flat=True))
    return data


def record(actor, action: str, obj=None, *, before=None, after=None, message: str = "", **kwargs):
    """Write an audit row for something that is not a plain model save (a login, an import …)."""
    return chain.append(actor, action, obj=obj, before=before, after=after, message=message, **kwargs)


def record_many(actor, entries) -> list:
    """Audit rows for many objects at once (a bulk import): ``record``'s arguments per entry."""
    return chain.append_many(actor, entries)


def text_limit(field) -> int | None:
    """The longest text a service accepts in ``field``: its max_length, or for a TextField
    without one settings.TEXT_MAX_LENGTH. Fields the system alone writes (editable=False:
    logs, histories, ciphertexts) are not limited here."""
    from django.conf import settings

    if not isinstance(field, models.TextField) or not field.editable:
        return None
    return field.max_length or settings.TEXT_MAX_LENGTH


def check_text_lengths(obj, exclude: Iterable[str] = ()) -> None:
    """Django does not enforce a TextField's max_length (only its form widget does), so a
    stranger's 3,000,000-character description went straight to the database: every write
    through these services is held to ``text_limit``."""
    errors = {}
    for field in obj._meta.concrete_fields:
        limit = text_limit(field)
        if limit is None or field.name in exclude:
            continue
        value = getattr(obj, field.attname)
        if isinstance(value, str) and len(value) > limit:
            errors[field.name] = [
                _("“%(field)s”最多 %(limit)s 个字符（现为 %(length)s 个）。")
                % {"field": field.verbose_name, "limit": limit, "length": len(value)}
            ]
    if errors:
        raise ValidationError(errors)


def validate(obj, exclude: Iterable[str] | None = None) -> None:
    exclude = list(exclude or [])
    check_text_lengths(obj, exclude)
    obj.full_clean(exclude=exclude, validate_unique=True)


def create_object(
    actor,
    obj: models.Model,
    *,
    scope_action: str = "view",
    m2m: dict[str, Iterable] | None = None,
    message: str = "",
    clean: bool = True,
):
    """Validate, save, set many-to-many fields, audit, and re-check scope — atomically."""
    with transaction.atomic():
        if clean:
            validate(obj)
        else:  # the caller validated the business rules itself; text is bounded all the same
            check_text_lengths(obj)
        obj.save()
        for name, values in (m2m or {}).items():
            getattr(obj, name).set(values)
        record(actor, "create", obj, after=snapshot(obj), message=message)
        permissions.ensure_in_scope(actor, obj, scope_action)
    return obj


def update_object(
    actor,
    obj: models.Model,
    changes: dict,
    *,
    expected_version: int | None,
    action: str = "change",
    m2m: dict[str, Iterable] | None = None,
    message: str = "",
    audit_action: str = "update",
    validate_with: Callable | None = None,
    authorize: Callable | None = None,
):
    """Apply ``changes`` to a fresh, locked copy of ``obj`` if its version still matches.

    Permission is checked against the stored row (before) and the result (after), so
    nobody can move an object into or out of a scope that is not theirs. A model
    outside the scope rules (a singleton setting, say) passes ``authorize(actor,
    current)`` instead, which raises PermissionDenied; the scope checks are then skipped.
    """
    model = type(obj)
    with transaction.atomic():
        current = model._base_manager.select_for_update().get(pk=obj.pk)
        if authorize is not None:
            authorize(actor, current)
        elif actor is not None:
            permissions.require(actor, action, current)
        version = getattr(current, "version", None)
        if expected_version is not None and version is not None and int(expected_version) != version:
            raise ConflictError(current, expected_version, version)
        before = snapshot(current)
        for name, value in changes.items():
            setattr(current, name, value)
        if validate_with:
            validate_with(current)
        validate(current)
        if version is not None:
            current.version = version + 1
        current.save()
        for name, values in (m2m or {}).items():
            getattr(current, name).set(values)
        after = snapshot(current)
        record(actor, audit_action, current, before=before, after=after, message=message)
        if authorize is None:
            permissions.ensure_in_scope(actor, current, "view")
    return current


def delete_object(actor, obj: models.Model, *, action: str = "manage", message: str = ""):
    with transaction.atomic():
        if actor is not None:
            permissions.require(actor, action, obj)
        before = snapshot(obj)
        pk = obj.pk
        label, text = obj._meta.label_lower, str(obj)
        obj.delete()
        record(
            actor,
            "delete",
            None,
            object_type=label,
            object_id=str(pk),
            object_repr=text,
            before=before,
            message=message,
        )


__all__ = [
    "ConflictError",
    "PermissionDenied",
    "ValidationError",
    "create_object",
    "update_object",
    "delete_object",
    "record",
    "snapshot",
    "validate",
]
