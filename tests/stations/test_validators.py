import pytest
from django.core.exceptions import ValidationError

from stations.validators import (
    is_valid_credit_code,
    validate_bank_account,
    validate_credit_code,
    validate_mobile,
    validate_postcode,
)

# Real published codes (GB 32100 checksum holds) and corrupted variants.
VALID_CODES = [
    "91350100M000100Y43",
    "91110000802100433B",
    "91440300708461136T",
    "91330100716105852F",
]
INVALID_CODES = [
    ("91350100M000100Y44", "credit_code_checksum"),  # last char altered
    ("91110000802100433", "credit_code_length"),  # 17 chars
    ("9111000080210043IB", "credit_code_charset"),  # I is not in the alphabet
    ("91330100716105852G", "credit_code_checksum"),
]


@pytest.mark.parametrize("code", VALID_CODES)
def test_valid_credit_codes_pass(code):
    assert is_valid_credit_code(code)
    validate_credit_code(code)


@pytest.mark.parametrize(("code", "error_code"), INVALID_CODES)
def test_invalid_credit_codes_fail_with_chinese_message(code, error_code):
    assert not is_valid_credit_code(code)
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(code)
    assert exc.value.code == error_code
    assert "统一社会信用代码" in exc.value.messages[0]


@pytest.mark.parametrize(
    ("validator", "good", "bad"),
    [
        (validate_mobile, "13912345678", "12912345678"),
        (validate_postcode, "110001", "11000"),
        (validate_bank_account, "6222020200112233445", "6222-0202-0011"),
    ],
)
def test_contact_validators(validator, good, bad):
    validator(good)
    with pytest.raises(ValidationError):
        validator(bad)
