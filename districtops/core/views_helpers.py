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


def excel_import_page(request, *, title: str, template, template_name: str, run, done_message: str,
                      list_url: str):  # fmt: skip
    """The import page every module shares: ``?template=1`` downloads the template; a POSTed
    file is checked by content, then ``run(file, check_only)`` imports it all or nothing (it
    raises ``excel.ImportRefused`` with every bad row and column). A check-only run writes
    nothing and says how many rows would go in; a real run redirects to the list."""
    from django.shortcuts import redirect, render
    from django.utils.translation import gettext as _

    from . import excel
    from .uploads import validate_upload

    if request.GET.get("template"):
        return excel.xlsx_response(template(), template_name)
    errors = []
    if request.method == "POST" and request.FILES.get("file"):
        check_only = bool(request.POST.get("check_only"))
        try:
            validate_upload(request.FILES["file"], kinds=("office",))
            done = run(request.FILES["file"], check_only)
        except excel.ImportRefused as exc:
            errors = exc.errors
        except ValidationError as exc:
            errors = [excel.CellError(0, "文件", m) for m in exc.messages]
        else:
            if check_only:
                messages.info(request, _("检查通过：%(n)d 行均可导入（未写入）。") % {"n": done})
            else:
                messages.success(request, done_message % {"n": done})
                return redirect(list_url)
    return render(request, "core/excel_import.html", {"errors": errors, "title": title, "back": list_url})
