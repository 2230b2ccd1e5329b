"""The workflow vocabulary a city module declares its procedures in: stages and moves.

Plain frozen dataclasses, no ORM; `policies.engine` moves an application along them
(`move`, `enter`, `next_stage`, `path`) and is the one place that decides which move is
legal and which stage the facts make optional.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Transition:
    action: str  # one of ACTIONS
    target: str  # stage code
    label_zh: str = ""


@dataclass(frozen=True)
class Stage:
    """One step of a workflow.

    `role` is a value of accounts.roles.Role. `skip_if` names a predicate in the policy's
    `predicates` that, when true for the application's facts, makes the stage optional:
    moving into it goes straight on along its `approve` transition. `notice_workdays_param`
    marks a timed public-notice stage (Interpretation 7). `needs_inspection` marks a stage
    the policy names an on-site inspection (实地考察) for: it cannot be approved before one is
    recorded. `sets_amount` marks the approval where an amount the policy leaves open (a range,
    or 一事一议) is fixed. Terminal stages have no transitions and carry tags (certified,
    filed, rejected, ...).
    """

    code: str
    label_zh: str
    role: str
    transitions: tuple[Transition, ...] = ()
    tags: frozenset[str] = frozenset()
    skip_if: str | None = None
    notice_workdays_param: str | None = None
    needs_expert_score: bool = False
    quota_check: bool = False
    needs_inspection: bool = False
    sets_amount: bool = False
    # Approving here is refused while the facts show an overlapping funded activity, unless
    # the approver records a reason (杭州 六(二) 不重复资助).
    double_funding_check: bool = False
    clause: str = ""
    # --- forms: what a stage records (applications.contracts) ---
    # Approving here records the signed project contract: date, number and signed scan
    # (杭州 附件第九条 签订项目合同).
    records_contract: bool = False

    @property
    def is_terminal(self) -> bool:
        return not self.transitions

    def target_of(self, action: str) -> str | None:
        for transition in self.transitions:
            if transition.action == action:
                return transition.target
        return None

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(t.action for t in self.transitions)


@dataclass(frozen=True)
class Workflow:
    program: str
    stages: tuple[Stage, ...]
    start: str

    def stage(self, code: str) -> Stage:
        for stage in self.stages:
            if stage.code == code:
                return stage
        from .types import PolicyError  # types imports this module: resolved at call time

        raise PolicyError(f"流程中没有环节“{code}”")

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.stages)
