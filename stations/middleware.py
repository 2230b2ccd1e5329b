"""The signed-in user's city, without a query a request.

Nearly every page reads `request.user.city` (the header prints its name, the scoping and
the policy look-ups read its code): one more query on every request for a row that changes
once in a long while. Every city's row comes from the shared cache instead
(`accounts.querycache.directory_value`: dropped by the directory generation, which every
save or delete of a city bumps, so a rename shows at once on every worker), and each
request gets its own `City` instance built from it.
"""

from __future__ import annotations

from accounts.querycache import directory_value


def _city_rows() -> tuple[list[str], dict]:
    from .models import City

    fields = [f.attname for f in City._meta.concrete_fields]
    return fields, {row[0]: row for row in City.objects.values_list(*fields)}


def city_by_id(city_id: int):
    """Return a new `City` instance for `city_id` (None if there is no such city)."""
    from .models import City

    fields, rows = directory_value("cities", _city_rows)
    row = rows.get(city_id)
    return None if row is None else City.from_db(City.objects.db, fields, row)


class UserCityMiddleware:
    """After authentication: give the user their city from `city_by_id` (no query)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "city_id", None):
            state = user._state
            if "city" not in state.fields_cache:
                city = city_by_id(user.city_id)
                if city is not None:
                    state.fields_cache["city"] = city
        return self.get_response(request)
