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


STAGE_KEY = "excel_import_stage"
STAGE_MAX_AGE = 2 * 3600  # seconds a checked file waits for its apply step


def _stage_dir():
    from django.conf import settings

    path = settings.VAR_DIR / "import-staging"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _stage(request, data: bytes, name: str, sha256: str) -> str:
    """Keep a checked file for the apply step: on disk under a random token, the token (with the
    file's sha256) in this person's session for this page only. Older staged files are removed."""
    import secrets
    import time

    folder = _stage_dir()
    for old in folder.iterdir():
        if old.stat().st_mtime < time.time() - STAGE_MAX_AGE:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    (folder / token).write_bytes(data)
    stages = request.session.get(STAGE_KEY, {})
    previous = stages.get(request.path)
    if previous:
        (folder / previous["token"]).unlink(missing_ok=True)
    stages[request.path] = {"token": token, "sha256": sha256, "name": name}
    request.session[STAGE_KEY] = stages
    return token


def _staged(request, token: str):
    """The staged file (bytes, name) for this page and token, or None; removed either way."""
    stages = request.session.get(STAGE_KEY, {})
    entry = stages.get(request.path)
    if not entry or entry["token"] != token:
        return None
    stages.pop(request.path)
    request.session[STAGE_KEY] = stages
    path = _stage_dir() / entry["token"]
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    path.unlink(missing_ok=True)
    import hashlib

    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        return None
    return data, entry["name"]


def excel_import_page(request, *, title: str, template, template_name: str, run, done_message: str,
                      list_url: str):  # fmt: skip
    """The import page every module shares: ``?template=1`` downloads the template; a POSTed
    file is checked by content, then ``run(file, check_only)`` (a ``gate.importing`` importer's
    run) imports it all or nothing — it raises ``excel.ImportRefused`` with every bad row and
    column. The check-only run writes nothing and shows the preview (新增/修改/不变/错误 and
    every change, old → new); the file is kept for its apply step ("确认导入", ``stage``), which
    runs it again for real — the version checks refuse a row changed in between. A real run
    redirects to the list."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.shortcuts import redirect, render
    from django.utils.translation import gettext as _

    from districtops.core import excel
    from districtops.core.uploads import validate_upload

    if request.GET.get("template"):
        return excel.xlsx_response(template(), template_name)
    errors, preview, stage = [], None, None
    upload = None
    check_only = False
    if request.method == "POST" and request.POST.get("stage"):
        staged = _staged(request, request.POST["stage"])
        if staged is None:
            errors = [excel.CellError(0, "文件", _("待确认的文件已过期或已导入，请重新上传并检查。"))]
        else:
            upload = SimpleUploadedFile(staged[1], staged[0])
    elif request.method == "POST" and request.FILES.get("file"):
        upload = request.FILES["file"]
        check_only = bool(request.POST.get("check_only"))
    if upload is not None:
        try:
            validate_upload(upload, kinds=("office",))
            upload.seek(0)
            preview = run(upload, check_only)
        except excel.ImportRefused as exc:
            errors, preview = exc.errors, exc.preview
        except ValidationError as exc:
            errors = [excel.CellError(0, "文件", m) for m in exc.messages]
        else:
            done = preview.total if hasattr(preview, "total") else preview
            if check_only:
                messages.info(request, _("检查通过：%(n)d 行均可导入（未写入）。") % {"n": len(preview.rows)})
                if preview.total:
                    upload.seek(0)
                    stage = _stage(request, upload.read(), upload.name, preview.sha256)
            else:
                if hasattr(preview, "total"):
                    messages.success(
                        request,
                        _("导入完成：新增 %(c)d，修改 %(u)d，不变 %(n)d。")
                        % {"c": preview.created, "u": preview.updated, "n": preview.unchanged},
                    )
                else:
                    messages.success(request, done_message % {"n": done})
                return redirect(list_url)
    return render(
        request,
        "gate/excel_import.html",
        {"errors": errors, "preview": preview, "stage": stage, "title": title, "back": list_url},
    )
