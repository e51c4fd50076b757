"""Files sent with a report (photos, PDF, Office): checked once, stored, served through the gate.

Every module's "attachments" follow the same three steps: ``check`` every upload before the
write's transaction (``core.uploads``: size, type by content, extension that matches), store
the rows inside it, and ``serve`` a file only after the caller found its row with
``Model.objects.restrict(user, "view")`` — media is never served from a public URL.
"""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _

from .uploads import KINDS, validate_upload

MAX_FILES = 9
IMAGE_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif",
               "webp": "image/webp"}  # fmt: skip


def check(uploads, *, field: str = "attachments", kinds=("pdf", "image", "office")) -> list[tuple]:
    """``[(upload, detected kind)]`` for a list of uploads, or a ValidationError on ``field``
    naming every refused file (none is stored when one is refused)."""
    uploads = [u for u in uploads or () if u]
    if len(uploads) > MAX_FILES:
        raise ValidationError({field: f"一次最多上传 {MAX_FILES} 个附件（本次 {len(uploads)} 个）。"})
    checked, errors = [], []
    for upload in uploads:
        try:
            checked.append((upload, validate_upload(upload, kinds=kinds, field=field)))
        except ValidationError as exc:
            errors.extend(exc.message_dict.get(field, exc.messages))
    if errors:
        raise ValidationError({field: errors})
    return checked


def display_name(upload) -> str:
    name = PurePath(upload.name or "file").name
    return name[-200:]


def serve(field_file, *, name: str, kind: str) -> FileResponse:
    """The stored file: an image inline (a thumbnail on the page), anything else as a download."""
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    if kind in KINDS["image"]:
        return FileResponse(handle, content_type=IMAGE_TYPES[kind], filename=name)
    return FileResponse(handle, as_attachment=True, filename=name)


# --- form fields ----------------------------------------------------------------------------
class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; each is checked by content (``core.uploads``) at the field."""

    def __init__(self, *args, kinds=("pdf", "image", "office"), **kwargs):
        self.kinds = kinds
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        uploads = [d for d in (data if isinstance(data, list | tuple) else [data]) if d]
        uploads = [super(MultipleFileField, self).clean(d, initial) for d in uploads]
        try:
            check(uploads, field="field", kinds=self.kinds)
        except forms.ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["field"]) from exc
        return uploads


def photo_field():
    # On a phone the camera opens directly (capture), on a desktop the file chooser.
    return MultipleFileField(
        label=_("现场照片"), kinds=("image",),
        widget=MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}),
        help_text=_("可拍照或选择多张照片（jpg、png），每张不超过上传上限。"),
    )  # fmt: skip


def files_field():
    return MultipleFileField(
        label=_("其他材料"), widget=MultipleFileInput(attrs={"accept": ".pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,image/*"}),
        help_text=_("PDF、Word、Excel、PowerPoint 或图片；按文件内容核验类型，改了扩展名的文件会被拒绝。"),
    )  # fmt: skip
