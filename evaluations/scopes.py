"""Row-level scopes of the evaluation models (see accounts.scoping)."""

from accounts.scoping import ScopePaths, register_scope

from .models import EvaluationRound, ExpertScore, StationEvaluation

register_scope(
    StationEvaluation,
    ScopePaths(
        city="station__city",
        district="station__district",
        society="station__society",
        host_unit="station__host_unit",
        # An expert reviewer sees the evaluations assigned to them.
        expert="expert_scores__expert__expert",
    ),
)
register_scope(
    ExpertScore,
    ScopePaths(
        city="evaluation__station__city",
        district="evaluation__station__district",
        society="evaluation__station__society",
        host_unit="evaluation__station__host_unit",
        expert="expert__expert",
    ),
)
# Rounds are listed to the city-wide roles; stations and experts see their evaluations.
register_scope(EvaluationRound, ScopePaths(city="city"))
