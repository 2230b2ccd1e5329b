"""The workflow is read from the policy declarations: skip_if stages and every city's forms."""

import datetime as dt

import pytest

from applications import services
from applications.facts import build_facts
from applications.forms import FORMS, GenericProgramForm, form_class_for
from applications.models import Application, Call
from policies.api import acting_roles
from policies.registry import all_policies
from stations.choices import HostNature
from tests.factories import HostUnitFactory, SocietyFactory, city

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("own_cast", "lands_on"), [(True, "city_review"), (False, "county_review")]
)
def test_yiyang_county_review_is_skipped_for_units_applying_directly(own_cast, lands_on):
    yiyang = city("yiyang")
    host = HostUnitFactory(city=yiyang, nature=HostNature.COUNTY_CAST, has_own_cast=own_cast)
    society = SocietyFactory(city=yiyang)
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
        society=society,
        host_unit=host,
    )
    landed = services._enter(app, "draft", "submit", lambda: build_facts(app))
    assert landed.stage.code == lands_on
    assert landed.skipped == (("county_review",) if own_cast else ())


def test_every_declared_program_has_an_official_form_and_acting_roles():
    for policy in all_policies().values():
        for code, workflow in policy.workflows.items():
            declared = policy.program(code).form
            assert declared in FORMS, (policy.code, code, declared)
            form = form_class_for(policy.code, code)
            assert form is FORMS[declared]
            assert form is not GenericProgramForm, (policy.code, code)
            if form.needs_host_unit:  # the refusal cites the policy's clause
                assert policy.program(code).host_unit_clause.startswith(policy.name_zh)
            for stage in workflow.stages:
                assert acting_roles(stage)


def test_the_form_map_names_no_city():
    """Which form a program uses is the policy's declaration, not a table keyed by city."""
    import inspect

    from applications import forms, program_forms

    source = inspect.getsource(forms) + inspect.getsource(program_forms)
    for code in all_policies():
        assert f'"{code}"' not in source and f"'{code}'" not in source, code


def test_the_overseas_talent_activity_asks_for_no_station_fields():
    """杭州 海智 activities build no station: no 站长, 合作期限 or 专家团队 (issue 15)."""
    fields = set(form_class_for("hangzhou", "overseas_talent").base_fields)
    assert not fields & {"head_name", "term_start", "term_end", "experts", "staff_count"}
    assert {"title", "expert_name", "activity_start", "activity_end", "activity_content"} <= fields
    assert form_class_for("hangzhou", "overseas_talent").has_budget


def test_an_overseas_activity_form_is_complete_without_station_fields():
    form = form_class_for("hangzhou", "overseas_talent")(
        data={
            "title": "2026年海外专家来杭交流活动",
            "level": "city",
            "expert_name": "John Smith",
            "expert_affiliation": "英国 剑桥大学",
            "activity_start": "2026-05-01",
            "activity_end": "2026-04-01",
            "activity_content": "学术报告与技术对接。",
        },
        levels=("city",),
    )
    assert not form.is_valid()
    assert list(form.errors) == ["activity_end"]
