from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class ComplexityValidator:
    """At least 10 characters from at least 3 of 4 classes: upper, lower, digit, symbol (docs/domain.md §7)."""

    min_length = 10

    def validate(self, password, user=None):
        classes = sum(
            [
                any(c.isupper() for c in password),
                any(c.islower() for c in password),
                any(c.isdigit() for c in password),
                any(not c.isalnum() for c in password),
            ]
        )
        if len(password) < self.min_length or classes < 3:
            raise ValidationError(
                _("密码至少 10 位，并包含大写字母、小写字母、数字、符号中的至少三类。"),
                code="password_too_simple",
            )

    def get_help_text(self):
        return _("密码至少 10 位，并包含大写字母、小写字母、数字、符号中的至少三类。")
