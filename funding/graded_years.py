"""What funding reads of the yearly evaluations: a reader the layer above registers.

Evaluations sit above funding (a grade's consequence acts on grants), so funding must not
import them (no import cycle between apps). The evaluations app registers its reader here
when it starts (EvaluationsConfig.ready); the station's money page and the later-year
support decision ask it for the decided years.
"""

from __future__ import annotations

from typing import Any, Protocol


class GradedYears(Protocol):
    def decided_for_station(self, station) -> Any:
        """The station's confirmed or absent evaluations, with grant, round and confirmer."""

    def latest_confirmed(self, grant, year: int) -> Any:
        """The grant's latest confirmed evaluation up to `year`, or None."""


_reader: GradedYears | None = None


def register_graded_years(reader: GradedYears) -> None:
    """Install the evaluations' reader (called once, by evaluations at start)."""
    global _reader
    _reader = reader


def graded_years() -> GradedYears:
    if _reader is None:
        raise RuntimeError("No evaluation reader registered (is evaluations installed?)")
    return _reader
