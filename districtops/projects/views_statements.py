"""The statement reconciliation page (对账单导入, /projects/funds/statements/): template download,
a check-only preview of a bank or treasury statement against the funds ledger, and the confirm
step that records it (``statements.reconcile``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.shortcuts import render
from django.utils.translation import gettext as _

from districtops.core import excel
from districtops.core.uploads import validate_upload

# The shared import page's staging (a checked file waits under a random token in the session).
from districtops.gate.views_helpers import _stage, _staged

from . import statements

RESULT_BADGES = {
    "matched": "bg-green-lt",
    "amount": "bg-red-lt",
    "date": "bg-orange-lt",
    "unbooked": "bg-yellow-lt",
}


@login_required
def statement_import(request):
    if not statements.may_reconcile(request.user):
        raise PermissionDenied(_("您无权登记资金台账，不能导入对账单。"))
    if request.GET.get("template"):
        return excel.xlsx_response(statements.template(), "对账单导入模板.xlsx")
    errors, result, stage = [], None, None
    upload, check_only = None, True
    if request.method == "POST" and request.POST.get("stage"):
        staged = _staged(request, request.POST["stage"])
        if staged is None:
            errors = [excel.CellError(0, _("文件"), _("待确认的文件已过期或已导入，请重新上传并检查。"))]
        else:
            upload, check_only = SimpleUploadedFile(staged[1], staged[0]), False
    elif request.method == "POST" and request.FILES.get("file"):
        upload = request.FILES["file"]
    if upload is not None:
        try:
            validate_upload(upload, kinds=("office",))
            upload.seek(0)
            result = statements.reconcile(request.user, upload, check_only=check_only, filename=upload.name)
        except excel.ImportRefused as exc:
            errors, result = exc.errors, exc.preview
        except ValidationError as exc:
            errors = [excel.CellError(0, _("文件"), m) for m in exc.messages]
        else:
            if check_only:
                upload.seek(0)
                stage = _stage(request, upload.read(), upload.name, result.sha256)
                messages.info(request, _("检查通过：%(n)d 行（未写入）。") % {"n": len(result.lines)})
            else:
                messages.success(request, _("对账单已导入：%(n)d 行。") % {"n": len(result.lines)})
    rows = []
    if result is not None:
        rows = [(line, RESULT_BADGES[line.result]) for line in result.lines]
    return render(
        request,
        "projects/statements.html",
        {"errors": errors, "result": result, "rows": rows, "stage": stage, "refused": bool(errors)},
    )
