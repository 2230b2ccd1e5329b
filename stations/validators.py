"""Validators for Chinese identifiers and contact data; messages are user-facing (zh-hans)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The mobile check is the user model's (accounts sits below stations); the name stays here
# for the directory's fields and their migrations (stations.validators.validate_mobile).
from accounts.validators import MOBILE_RE, validate_mobile  # noqa: F401

# GB 32100-2015: 18 characters from this 31-symbol alphabet (no I, O, S, V, Z).
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
POSTCODE_RE = re.compile(r"^\d{6}$")
BANK_ACCOUNT_RE = re.compile(r"^\d{8,30}$")


def credit_code_check_char(first17: str) -> str:
    """Return the GB 32100 check character for the first 17 characters of a credit code."""
    total = sum(
        CREDIT_CODE_ALPHABET.index(ch) * weight
        for ch, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def is_valid_credit_code(value: str) -> bool:
    code = (value or "").strip().upper()
    if len(code) != 18 or any(ch not in CREDIT_CODE_ALPHABET for ch in code):
        return False
    return credit_code_check_char(code[:17]) == code[17]


def validate_credit_code(value: str) -> None:
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise ValidationError(
            _("统一社会信用代码应为18位，当前为%(n)d位。"),
            code="credit_code_length",
            params={"n": len(code)},
        )
    bad = sorted({ch for ch in code if ch not in CREDIT_CODE_ALPHABET})
    if bad:
        raise ValidationError(
            _("统一社会信用代码含有不允许的字符：%(chars)s（不使用 I、O、S、V、Z）。"),
            code="credit_code_charset",
            params={"chars": "".join(bad)},
        )
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValidationError(
            _("统一社会信用代码校验位不正确，请核对后重新输入。"), code="credit_code_checksum"
        )


def validate_phone(value: str) -> None:
    """Accept a mainland mobile or a landline such as 024-12345678."""
    if not (MOBILE_RE.match(value or "") or LANDLINE_RE.match(value or "")):
        raise ValidationError(
            _("请输入手机号码或带区号的固定电话，例如 024-12345678。"), code="phone"
        )


def validate_postcode(value: str) -> None:
    if not POSTCODE_RE.match(value or ""):
        raise ValidationError(_("邮政编码应为6位数字。"), code="postcode")


def validate_bank_account(value: str) -> None:
    if not BANK_ACCOUNT_RE.match(value or ""):
        raise ValidationError(_("银行账号只能包含数字，长度8至30位。"), code="bank_account")
