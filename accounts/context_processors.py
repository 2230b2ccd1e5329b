from django.utils.functional import SimpleLazyObject

from .querycache import unread_count
from .roles import Role


def role(request):
    user = getattr(request, "user", None)

    def unread() -> int:
        if user is None or not user.is_authenticated:
            return 0
        return unread_count(user, user.notifications.filter(read_at__isnull=True).count)

    return {
        "Role": Role,
        "user_role": getattr(user, "role", "") if user else "",
        # Counted only on pages that show it (one query, then from the cache until one of
        # the user's notifications changes).
        "unread_count": SimpleLazyObject(unread),
    }
