"""Small helpers shared by views: turning service errors into form errors and messages."""

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from .services import ConflictError


def apply_service_errors(form, exc: Exception) -> None:
    """Put a service's ValidationError (or conflict) onto the form so it re-renders with messages."""
    if isinstance(exc, ConflictError):
        form.add_error(None, str(exc))
        return
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
        return
    if isinstance(exc, ValidationError):
        for message in exc.messages:
            form.add_error(None, message)
        return
    form.add_error(NON_FIELD_ERRORS, str(exc))


def flash_ok(request, text: str) -> None:
    messages.success(request, text)
