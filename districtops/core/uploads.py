"""Upload checks shared by every module: size, and type by content (not by name).

An .exe renamed .pdf, a 0-byte file, a file over the limit, or a name whose extension
does not match what the bytes are, is refused with a message saying which.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

KINDS = {
    "pdf": {"pdf"},
    "image": {"jpg", "jpeg", "png", "gif", "webp"},
    "office": {"docx", "xlsx", "pptx", "doc", "xls", "ppt"},
}
_OOXML = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")


def zip_entry_count(data: bytes) -> int | None:
    """The entry count a zip's end-of-central-directory record declares (None: not found, or
    a zip64 archive that defers it), read without opening the archive."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or len(data) < end + 12:
        return None
    count = int.from_bytes(data[end + 10 : end + 12], "little")
    return None if count == 0xFFFF else count


def sniff(head: bytes, whole=None) -> str | None:
    """What the bytes are: an extension-like name, or None when unknown."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        # Legacy doc/xls/ppt share one container; so does a password-protected .docx/.xlsx.
        if whole is not None and _ENCRYPTED in whole.getvalue():
            return "encrypted"
        return "ole"
    if head.startswith(b"PK\x03\x04") and whole is not None:
        try:
            with zipfile.ZipFile(whole) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names:
            for prefix, ext in _OOXML.items():
                if any(n.startswith(prefix) for n in names):
                    return ext
    return None


def validate_upload(
    upload, *, kinds=("pdf", "image", "office"), max_bytes: int | None = None, field: str = "file"
) -> str:
    """Check an UploadedFile; return the detected type (e.g. "pdf", "png", "xlsx")."""
    limit = max_bytes or settings.UPLOAD_MAX_BYTES
    name = upload.name or ""
    size = upload.size or 0
    if size == 0:
        raise ValidationError({field: f"文件“{name}”是空文件（0 字节）。"})
    if size > limit:
        raise ValidationError(
            {field: f"文件“{name}”为 {size / 1048576:.1f} MB，超过 {limit / 1048576:.0f} MB 上限。"}
        )
    ext = PurePath(name).suffix.lower().lstrip(".")
    allowed = set().union(*(KINDS[k] for k in kinds))
    if ext not in allowed:
        raise ValidationError({field: f"不接受“.{ext}”文件，只接受：{'、'.join(sorted(allowed))}。"})
    upload.seek(0)
    head = upload.read(64)
    whole = None
    if head.startswith(b"PK\x03\x04") or head.startswith(_OLE):
        upload.seek(0)
        whole = io.BytesIO(upload.read())
        if head.startswith(b"PK\x03\x04"):
            # Before zipfile builds an object per entry: the count the archive's last record declares.
            entries = zip_entry_count(whole.getvalue())
            if entries is not None and entries > settings.EXCEL_MAX_ZIP_ENTRIES:
                raise ValidationError(
                    {
                        field: _("文件“%(name)s”内含 %(n)d 个部件，超过 %(limit)d 个的上限，已拒绝。")
                        % {"name": name, "n": entries, "limit": settings.EXCEL_MAX_ZIP_ENTRIES}
                    }
                )
    upload.seek(0)
    detected = sniff(head, whole)
    if detected == "encrypted":
        raise ValidationError(
            {field: _("文件“%(name)s”已加密（设有打开密码），请取消密码后再上传。") % {"name": name}}
        )
    if detected == "ole" and ext in {"doc", "xls", "ppt"}:
        detected = ext
    if detected == "jpg" and ext == "jpeg":
        detected = "jpeg"
    if detected != ext:
        what = "可执行程序" if head.startswith(b"MZ") or head.startswith(b"\x7fELF") else "其他类型的文件"
        if detected == "ole":
            detected = "旧版 Office 文件（.doc/.xls/.ppt）"
        raise ValidationError(
            {
                field: f"文件“{name}”的内容与扩展名不符（实际是{what if detected is None else detected}），已拒绝。"
            }
        )
    return detected
