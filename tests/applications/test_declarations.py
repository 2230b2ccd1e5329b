"""The workflow is read from the policy declarations: skip_if stages and every city's forms."""

import datetime as dt

import pytest

from applications import services
from applications.facts import build_facts
from applications.forms import GenericProgramForm, form_class_for
from applications.models import Application, Call
from applications.policy import acting_roles
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
            form = form_class_for(policy.code, code)
            if policy.code != "hangzhou" or code != "overseas_talent":
                assert form is not GenericProgramForm, (policy.code, code)
            for stage in workflow.stages:
                assert acting_roles(stage)
