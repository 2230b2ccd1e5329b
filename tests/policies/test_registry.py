"""Every city's declarations are complete and consistent (STYLE.md: a registry test)."""

import pytest

from accounts.roles import Role
from policies.engine import validate_params
from policies.registry import all_policies, get_policy
from policies.types import ACTIONS, GRADES, LEVELS, PolicyError

POLICIES = all_policies()
FLOWS = [(code, prog, flow) for code, p in POLICIES.items() for prog, flow in p.workflows.items()]
PROGRAM_CODES = {
    "shenyang": {"filing", "key_support"},
    "yiyang": {"station"},
    "lianyungang": {"demo_society", "service_station", "chief_expert", "function_project"},
    "guiyang": {"station"},
    "hangzhou": {
        "service_base",
        "station",
        "research_major",
        "research_key",
        "research_general",
        "overseas_talent",
    },
}


def test_registry_discovers_the_five_cities_with_their_fixed_program_codes():
    assert {code: set(p.programs) for code, p in POLICIES.items()} == PROGRAM_CODES


def test_unknown_city_is_a_policy_error():
    with pytest.raises(PolicyError, match="未知的城市政策代码"):
        get_policy("atlantis")


@pytest.mark.parametrize("code,program,flow", FLOWS, ids=[f"{c}-{p}" for c, p, _ in FLOWS])
def test_workflow_graph_is_well_formed(code, program, flow):
    policy = POLICIES[code]
    stage_codes = [s.code for s in flow.stages]
    assert len(stage_codes) == len(set(stage_codes)), "stage codes are unique"
    assert flow.start in stage_codes
    # One start: every stage is reachable from it, and only the start is entered by submit.
    reached, queue = {flow.start}, [flow.start]
    while queue:
        for t in flow.stage(queue.pop()).transitions:
            if t.target not in reached:
                reached.add(t.target)
                queue.append(t.target)
    assert reached == set(stage_codes)
    submitters = [s.code for s in flow.stages if "submit" in s.actions]
    assert submitters == [flow.start]
    for stage in flow.stages:
        assert stage.role in Role.values, f"{stage.code}: unknown role {stage.role}"
        assert all(t.target in stage_codes for t in stage.transitions)
        assert all(t.action in ACTIONS for t in stage.transitions)
        if stage.is_terminal:
            assert "terminal" in stage.tags and stage.tags - {"terminal"}
        if stage.skip_if:
            assert stage.skip_if in policy.predicates
            assert stage.target_of("approve")
        if stage.notice_workdays_param:
            assert stage.notice_workdays_param in policy.defaults
    terminals = [s for s in flow.stages if s.is_terminal]
    assert any("certified" in s.tags or "filed" in s.tags for s in terminals)
    assert any("rejected" in s.tags for s in terminals)
    assert flow.program == program


@pytest.mark.parametrize("code", sorted(POLICIES))
def test_programs_levels_and_parameters_are_declared(code):
    policy = POLICIES[code]
    assert set(policy.grades) <= set(GRADES)
    assert {s.key for s in policy.param_specs} == set(policy.defaults)
    assert validate_params(policy, policy.defaults) == dict(policy.defaults)
    for program in policy.programs.values():
        assert set(program.levels) <= set(LEVELS)
        assert program.code in policy.workflows
        assert program.clauses and all(c.startswith(policy.name_zh + " ") for c in program.clauses)
        for key in [k for k in program.amount_param.values() if k]:
            assert key in policy.defaults
        for low, high in program.range_params.values():
            assert policy.defaults[low] <= policy.defaults[high]
        if program.quota_param:
            assert program.quota_param in policy.defaults
    for grade in policy.grades[:-1]:
        assert f"cutoff_{grade}" in policy.defaults


@pytest.mark.parametrize("code", sorted(POLICIES))
def test_rubrics_sum_to_100(code):
    policy = POLICIES[code]
    rubrics = list(policy.review_rubrics.values()) + list(policy.evaluation_rubrics.values())
    assert rubrics
    for rubric in rubrics:
        assert rubric.total == 100, rubric.code
        assert all(i.clause.startswith(policy.name_zh) for i in rubric.indicators)


def test_parameter_validation_rejects_bad_values():
    policy = get_policy("shenyang")
    with pytest.raises(PolicyError, match="递减"):
        validate_params(policy, {**policy.defaults, "cutoff_good": 95})
    with pytest.raises(PolicyError, match="未知参数"):
        validate_params(policy, {"nonsense": 1})
    with pytest.raises(PolicyError, match="整数"):
        validate_params(policy, {**policy.defaults, "key_support_amount": 30000.5})
    hz = get_policy("hangzhou")
    with pytest.raises(PolicyError, match="上限"):
        validate_params(hz, {**hz.defaults, "station_min": 40000})
    lyg = get_policy("lianyungang")
    with pytest.raises(PolicyError, match="月-日"):
        validate_params(lyg, {**lyg.defaults, "chief_expert_deadline": "13-01"})


@pytest.mark.parametrize("code", sorted(POLICIES))
def test_expert_panel_parameters_are_declared_as_bools(code):
    policy = POLICIES[code]
    kinds = {s.key: s.kind for s in policy.param_specs}
    for key in ("blind_review", "trimmed_mean"):
        assert kinds[key] == "bool" and isinstance(policy.defaults[key], bool)


def test_stage_flags_sit_where_the_policies_name_them():
    inspections = {
        (code, prog, s.code)
        for code, prog, flow in FLOWS
        for s in flow.stages
        if s.needs_inspection
    }
    # 益阳 第八条(二) 实地考察; 贵阳 四(二)2 实地考察.
    assert inspections == {
        ("yiyang", "station", "site_inspection"),
        ("guiyang", "station", "site_inspection"),
    }
    for code, prog, flow in FLOWS:
        program = POLICIES[code].program(prog)
        for stage in flow.stages:
            if stage.sets_amount:
                # Only where some level's amount is left open (a range or 一事一议).
                assert program.range_params or None in program.amount_param.values()
            assert not (stage.is_terminal and (stage.needs_inspection or stage.sets_amount))
        assert set(program.quota_levels) <= set(program.levels)
