"""Production runs the policy engine: stage entry, skipping, legal moves and eligibility.

`applications.services` must not carry its own copy of the workflow rules: these tests pin
that `_enter` lands and skips exactly as each city's declared workflow says, that an
illegal move is refused by the engine, and that `application_check` returns the engine's
findings (including those only `policies.engine.check_eligibility` adds).
"""

import datetime as dt

import pytest

from applications import services
from applications.facts import build_facts
from applications.models import Application, Call
from policies import engine
from policies.facts import EligibilityFacts, HostUnitFacts, SocietyFacts
from policies.registry import all_policies, get_policy
from policies.types import Finding
from stations.choices import HostNature
from tests.factories import HostUnitFactory, SocietyFactory, city

pytestmark = pytest.mark.django_db

# Every stage any city declares optional, with the clause that makes it so. A new skip rule
# in a city module must be added here (with its clause) or this table fails.
DECLARED_SKIPS = {
    # 益阳 第八条(一): 设有科协组织的企事业单位、市级科技社团 may apply to the city directly.
    ("yiyang", "station", "county_review"): "益阳 第八条(一)",
}


def _facts(policy_code: str, program: str, **host) -> EligibilityFacts:
    return EligibilityFacts(
        city=policy_code,
        program=program,
        level="city",
        society=SocietyFacts(name="学会", level="city"),
        host_unit=HostUnitFacts(name="单位", nature=host.pop("nature", "enterprise"), **host),
    )


def test_the_declared_skips_are_exactly_the_table():
    declared = {
        (policy.code, program, stage.code): stage.clause
        for policy in all_policies().values()
        for program, workflow in policy.workflows.items()
        for stage in workflow.stages
        if stage.skip_if
    }
    assert declared == DECLARED_SKIPS


def _walk(app: Application, facts) -> list[tuple[str, tuple[str, ...]]]:
    """Drive `_enter` from the start to a terminal stage by submit/approve."""
    workflow = get_policy(app.city.policy_code).workflows[app.program]
    current, moves = workflow.start, []
    while not workflow.stage(current).is_terminal:
        stage = workflow.stage(current)
        action = "submit" if "submit" in stage.actions else "approve"
        landed = services._enter(app, current, action, facts)
        moves.append((landed.stage.code, landed.skipped))
        current = landed.stage.code
    return moves


@pytest.mark.parametrize(
    ("policy_code", "program"),
    [(p.code, program) for p in all_policies().values() for program in p.workflows],
)
def test_enter_skips_nothing_where_no_skip_rule_is_declared(policy_code, program):
    if any(key[:2] == (policy_code, program) for key in DECLARED_SKIPS):
        pytest.skip("has a declared skip rule: see the table-driven test below")

    def no_facts():  # a workflow without skip rules never needs the facts
        raise AssertionError("facts built for a workflow without skip rules")

    app = Application(city=city(policy_code), program=program)
    moves = _walk(app, no_facts)
    assert all(skipped == () for _stage, skipped in moves)
    policy = get_policy(policy_code)
    assert [s for s, _ in moves] == [s.code for s in engine.path(policy, program)][1:]


# (city, program, host unit facts, stages skipped on the approval path, clause)
SKIP_TABLE = [
    ("yiyang", "station", {"nature": "enterprise_cast"}, ("county_review",), "益阳 第八条(一)"),
    ("yiyang", "station", {"nature": "city_society"}, ("county_review",), "益阳 第八条(一)"),
    ("yiyang", "station", {"nature": "county_cast"}, (), "益阳 第八条(一)"),
    ("yiyang", "station", {"nature": "enterprise"}, (), "益阳 第八条(一)"),
]


@pytest.mark.parametrize(("policy_code", "program", "host", "skipped", "clause"), SKIP_TABLE)
def test_enter_skips_exactly_what_the_workflow_declares(
    policy_code, program, host, skipped, clause
):
    app = Application(city=city(policy_code), program=program)
    facts = _facts(policy_code, program, **host)
    moves = _walk(app, facts)
    passed_over = tuple(code for _stage, codes in moves for code in codes)
    assert passed_over == skipped
    for code in passed_over:
        assert DECLARED_SKIPS[(policy_code, program, code)] == clause
    # The landing stages are the engine's own path for the same facts.
    expected = [s.code for s in engine.path(get_policy(policy_code), program, facts)][1:]
    assert [s for s, _ in moves] == expected


def test_enter_builds_the_applications_facts_only_when_a_skip_rule_is_met():
    yiyang = city("yiyang")
    host = HostUnitFactory(city=yiyang, nature=HostNature.ENTERPRISE_CAST, has_own_cast=True)
    call = Call.objects.create(
        city=yiyang,
        program="station",
        title="认定",
        opens_on=dt.date(2020, 1, 1),
        closes_on=dt.date(2099, 1, 1),
    )
    app = Application.objects.create(
        city=yiyang,
        call=call,
        program="station",
        level="city",
        title="t",
        society=SocietyFactory(city=yiyang),
        host_unit=host,
    )
    built = []

    def facts():
        built.append(1)
        return build_facts(app)

    services._enter(app, "city_review", "approve", facts)  # → site_inspection: no rule
    assert built == []
    landed = services._enter(app, "draft", "submit", facts)
    assert (landed.stage.code, landed.skipped) == ("city_review", ("county_review",))
    assert built == [1]


@pytest.mark.parametrize("policy_code", sorted(all_policies()))
def test_an_illegal_action_is_refused_by_the_engine(policy_code):
    policy = get_policy(policy_code)
    for program, workflow in policy.workflows.items():
        start = workflow.stage(workflow.start)
        assert start.target_of("approve") is None
        with pytest.raises(engine.IllegalTransition):
            engine.move(policy, program, start.code, "approve")
        app = Application(city=city(policy_code), program=program)
        with pytest.raises(services.TransitionError, match="不允许操作") as info:
            services._enter(app, start.code, "approve")
        assert info.value.code == "illegal"
        assert isinstance(info.value.__cause__, engine.IllegalTransition)


def test_application_transition_refuses_an_illegal_move_through_the_engine(world, monkeypatch):
    """Even with the permission check out of the way, the engine refuses the move."""
    app = world.draft()
    monkeypatch.setattr(services.perms, "can_take_action", lambda *a: (True, ""))
    with pytest.raises(services.TransitionError, match="不允许操作“approve”") as info:
        services.application_transition(application=app, action="approve", actor=world.staff)
    assert isinstance(info.value.__cause__, engine.IllegalTransition)
    app.refresh_from_db()
    assert app.stage == "draft" and not app.transitions.exists()


def test_application_check_returns_the_engines_findings(world, monkeypatch):
    app = world.draft()
    calls = []
    sentinel = Finding("engine_says", "warn", "引擎的结论", "连云港 四(一)")
    real = engine.check_eligibility

    def spy(policy, program, facts, params):
        calls.append((policy.code, program, facts.level))
        return [*real(policy, program, facts, params), sentinel]

    monkeypatch.setattr(engine, "check_eligibility", spy)
    findings = services.application_check(app)
    assert calls == [("lianyungang", "function_project", "city")]
    assert {
        "code": "engine_says",
        "severity": "warn",
        "message": "引擎的结论",
        "clause": "连云港 四(一)",
    } in findings


def test_application_check_includes_the_engines_level_rule(world):
    """`level_not_offered` is added by the engine only, not by any city module."""
    app = world.draft()
    Application.objects.filter(pk=app.pk).update(level="national")
    app.refresh_from_db()
    codes = {f["code"] for f in services.application_check(app)}
    assert "level_not_offered" in codes


# Exceptions: the demo loader names Shenyang's station-naming rule directly to build that
# city's story (demo data may name cities); stations sit below the policies app (policies
# builds facts from stations' rows), so they read the pure rules (policies.registry) only.
APPS_BEHIND_THE_ENTRY_POINT = (
    "accounts",
    "network",
    "funding",
    "applications",
    "evaluations",
    "reports",
    "home",
)


@pytest.mark.parametrize("app_name", APPS_BEHIND_THE_ENTRY_POINT)
def test_apps_reach_the_engine_only_through_policies_api(app_name):
    """One public entry point: no module of an app imports another `policies` module."""
    import ast
    import importlib
    import pathlib

    root = pathlib.Path(importlib.import_module(app_name).__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                if name.startswith("policies.") and name.split(".")[1] != "api":
                    offenders.append(f"{path.relative_to(root)}: {name}")
    assert offenders == []


def test_every_public_function_of_policies_api_says_what_it_does():
    import inspect

    from policies import api

    for name in api.__all__:
        obj = getattr(api, name)
        assert obj is not None, name
        if inspect.isfunction(obj) and obj.__module__ == api.__name__:
            assert (obj.__doc__ or "").strip(), name
