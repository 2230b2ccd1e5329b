"""Validators the user model needs; the directory's own (credit codes, phones) are in stations."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def validate_mobile(value: str) -> None:
    if not MOBILE_RE.match(value or ""):
        raise ValidationError(_("请输入11位中国大陆手机号码，例如 13800138000。"), code="mobile")
