"""Who previews a parameter change's budget impact: a service the layer above registers.

The impact preview reads grants, applications and evaluations (reports.forecast_selectors),
all above policies; the policy parameter page and `simulate_policy` must not import them
(no import cycle between apps). So reports registers its preview here when it starts
(ReportsConfig.ready), and policies asks through `impact_preview`.
"""

from __future__ import annotations

from collections.abc import Callable

_previewer: Callable | None = None


def register_impact_previewer(previewer: Callable) -> None:
    """Install the service that previews a change's impact (called once, by reports)."""
    global _previewer
    _previewer = previewer


def impact_preview(city, params: dict, *, first_year: int):
    """Return the impact (reports.forecast.Impact) of `params` on `city`'s three budget
    years from `first_year` on."""
    if _previewer is None:
        raise RuntimeError("No impact preview service registered (is reports installed?)")
    return _previewer(city, params, first_year=first_year)
