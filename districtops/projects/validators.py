"""Input checks shared by the models, forms, API and import.

``validate_credit_code`` is a private copy until ``districtops.core.codes`` (owned by the
economy module) reaches main; the lead unifies them (see docs/projects.md).
"""

from django.core.exceptions import ValidationError

CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = [pow(3, i, 31) for i in range(17)]


def credit_code_check_char(first17: str) -> str:
    total = sum(CREDIT_CODE_CHARSET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> str:
    """统一社会信用代码 (GB 32100-2015): returns the upper-case code or raises ValidationError."""
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise ValidationError("统一社会信用代码应为 18 位（当前 %(n)d 位）。", params={"n": len(code)})
    bad = sorted({c for c in code if c not in CREDIT_CODE_CHARSET})
    if bad:
        raise ValidationError(
            "统一社会信用代码含有不允许的字符：%(c)s（不使用 I、O、S、V、Z）。", params={"c": "".join(bad)}
        )
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        raise ValidationError(
            "统一社会信用代码校验位错误：应为 %(e)s，实际为 %(a)s。", params={"e": expected, "a": code[17]}
        )
    return code
