"""Who may see personal and financial data in full; everyone else sees it masked."""

from accounts.roles import Role

from .fields import mask

# Keys whose values are masked wherever they are copied (audit details, exports for others).
SENSITIVE_KEYS = ("bank_account_no", "payee_account_no", "id_number", "account_no")


def can_see_bank_account(user, owner) -> bool:
    """Finance of the owner's city and the owning society or host unit see the full number."""
    if user is None or not user.is_authenticated:
        return False
    owner_label = owner._meta.label if owner is not None else ""
    if user.role == Role.FINANCE:
        return user.city_id == getattr(owner, "city_id", None)
    if user.role == Role.SOCIETY_STAFF and owner_label == "stations.Society":
        return user.society_id == owner.pk
    if user.role == Role.HOST_STAFF and owner_label == "stations.HostUnit":
        return user.host_unit_id == owner.pk
    return False


def bank_account_for(user, owner, number: str | None = None) -> str:
    number = owner.bank_account_no if number is None else number
    return number if can_see_bank_account(user, owner) else mask(number)


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
