"""Who may see personal and financial data in full; everyone else sees it masked."""

from accounts.privacy import SENSITIVE_KEYS, mask, mask_sensitive  # noqa: F401  (masking is accounts')
from accounts.roles import Role

# The only roles that ever see a full bank account number (can_see_bank_account).
BANK_ACCOUNT_ROLES = frozenset({Role.FINANCE, Role.SOCIETY_STAFF, Role.HOST_STAFF})


def may_see_any_bank_account(user) -> bool:
    """False when `can_see_bank_account` is False for every owner: an export for such a user
    prints every number masked without asking row by row."""
    return user is not None and user.is_authenticated and user.role in BANK_ACCOUNT_ROLES


def can_see_bank_account(user, owner) -> bool:
    """Finance of the owner's city and the owning society or host unit see the full number."""
    if not may_see_any_bank_account(user):
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
