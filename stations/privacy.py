"""Who may see personal and financial data in full; everyone else sees it masked."""

from accounts.privacy import SENSITIVE_KEYS, mask, mask_sensitive  # noqa: F401  (masking is accounts')
from accounts.roles import Role


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
