"""Row-level scopes of the applications app (see accounts.scoping).

An expert reviewer sees an application only while assigned to it; a county reviewer only
those of the district; applicants those of their own society or host unit.
"""

from accounts.scoping import ScopePaths, register_scope

from .models import Application

register_scope(
    Application,
    ScopePaths(
        city="city",
        district="district",
        society="society",
        host_unit="host_unit",
        expert="assignments__expert",
    ),
)
# Calls and public notices are readable by every user of their city: see
# applications.selectors.city_rows, which filters them by the user's city.
