"""Masking of personal and financial numbers: in the audit trail and wherever data is copied.

Who may see a number in full is decided next to the objects that own it (stations.privacy).
"""

# Keys whose values are masked wherever they are copied (audit details, exports for others).
SENSITIVE_KEYS = ("bank_account_no", "payee_account_no", "id_number", "account_no")


def mask(value: str, visible: int = 4) -> str:
    """Return `value` with all but the last `visible` characters hidden: ************1234."""
    if not value:
        return ""
    return "*" * max(len(value) - visible, 0) + value[-visible:]


def mask_sensitive(data):
    """Return a copy of `data` (dicts/lists) with sensitive keys' values masked."""
    if isinstance(data, dict):
        return {
            key: mask(str(value)) if key in SENSITIVE_KEYS and value else mask_sensitive(value)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [mask_sensitive(item) for item in data]
    return data
