"""Upload checks by content and size (core/uploads.py)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile


@pytest.mark.parametrize(
    "name, content, ok",
    [
        ("a.pdf", b"%PDF-1.7\n...", True),
        ("a.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20, True),
        ("virus.pdf", b"MZ\x90\x00" + b"0" * 60, False),
        ("empty.pdf", b"", False),
        ("a.exe", b"MZ\x90\x00", False),
        ("photo.jpg", b"%PDF-1.4", False),
    ],
)
def test_upload_checked_by_content(name, content, ok):
    from django.core.exceptions import ValidationError

    from districtops.core.uploads import validate_upload

    upload = SimpleUploadedFile(name, content)
    if ok:
        assert validate_upload(upload)
    else:
        with pytest.raises(ValidationError):
            validate_upload(upload)


def test_upload_over_the_limit_is_refused(settings):
    from django.core.exceptions import ValidationError

    from districtops.core.uploads import validate_upload

    with pytest.raises(ValidationError, match="超过"):
        validate_upload(SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * 2000), max_bytes=1000)


def test_office_file_detected_inside_the_zip():
    from districtops.core import excel
    from districtops.core.uploads import validate_upload

    content = excel.write_workbook([("表", [excel.Column("a", "甲")], [[1]])])
    assert validate_upload(SimpleUploadedFile("t.xlsx", content)) == "xlsx"
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_upload(SimpleUploadedFile("t.docx", content))
