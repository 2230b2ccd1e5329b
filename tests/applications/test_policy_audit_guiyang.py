"""贵阳 policy-audit gaps (issue 12): experts as records, their province, the budget table."""

import datetime as dt

import pytest

from applications import facts as app_facts
from applications.services import TransitionError
from policies.cities.guiyang import outside_guizhou
from policies.common import province_of
from stations.models import CreditFlag
from tests.applications.cities import Guiyang
from tests.factories import ExpertFactory, city

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("clause", "place", "province", "outside"),
    [
        ("贵阳 三(三)7", "贵阳市", "贵州省", False),  # was counted as outside (substring test)
        ("贵阳 三(三)7", "贵州省遵义市", "贵州省", False),
        ("贵阳 三(三)7", "黔南州", "贵州省", False),
        ("贵阳 三(三)7", "北京市", "北京市", True),
        ("贵阳 三(三)7", "广西壮族自治区南宁市", "广西壮族自治区", True),
        ("贵阳 三(三)7", "黑龙江", "黑龙江省", True),
        ("贵阳 三(三)7", "本省", "", False),  # names no province: not proof of outside
        ("贵阳 三(三)7", "", "", False),
    ],
)
def test_outside_guizhou_reads_the_province(clause, place, province, outside):
    assert province_of(place) == province, clause
    assert outside_guizhou(place) is outside, clause


def flagged_expert(city_code, name, province, kind="dishonest", lifted=None):
    expert = ExpertFactory(city=city(city_code), name=name, province=province)
    CreditFlag.objects.create(
        kind=kind,
        expert=expert,
        source="信用中国",
        recorded_on=dt.date(2025, 1, 1),
        lifted_on=lifted,
    )
    return expert


@pytest.mark.parametrize(
    ("clause", "typed", "record", "blocked"),
    [
        # A typed expert matching a flagged Expert record blocks (was: text, passed).
        ("贵阳 三(三)8", "张失信，贵州省", ("guiyang", "张失信", "贵州省", None), True),
        (
            "贵阳 三(三)8",
            "张失信，贵州省",
            ("guiyang", "张失信", "贵州省", "organized_crime"),
            True,
        ),
        # Matched in another city's library by name and province.
        ("贵阳 三(三)8", "张失信，北京市", ("hangzhou", "张失信", "北京市", None), True),
        # A lifted flag no longer blocks.
        ("贵阳 三(三)8", "张失信，贵州省", ("guiyang", "张失信", "贵州省", "lifted"), False),
        # A namesake in another province is a different person.
        ("贵阳 三(三)8", "张失信，贵州省", ("hangzhou", "张失信", "北京市", None), False),
    ],
)
def test_a_flagged_expert_on_the_application_blocks_submission(clause, typed, record, blocked):
    w = Guiyang()
    city_code, name, province, how = record
    if how == "lifted":
        flagged_expert(city_code, name, province, lifted=dt.date(2025, 6, 1))
    else:
        flagged_expert(city_code, name, province, kind=how or "dishonest")
    team = "\n".join([typed, "专家甲，贵州省", "专家乙，贵州省"])
    app = w.draft(experts=team)
    facts = app_facts.build_facts(app)
    flagged = [e for e in facts.experts if e.credit_flags]
    assert bool(flagged) is blocked, clause
    if blocked:
        with pytest.raises(TransitionError) as exc:
            w.act(app, "submit", w.staff)
        assert "张失信" in str(exc.value) and clause in str(exc.value)
    else:
        w.act(app, "submit", w.staff)
        assert app.stage == "material_review"


def test_a_matched_expert_takes_the_province_of_the_record():
    """贵阳 三(三)7: the record's 工作单位所在省份 decides whether an expert is outside."""
    w = Guiyang()
    ExpertFactory(city=w.city, name="李外省", province="上海市")
    app = w.draft(experts="李外省\n专家甲，贵州省\n专家乙，贵州省")
    experts = {e.name: e for e in app_facts.build_facts(app).experts}
    assert experts["李外省"].province == "上海市" and experts["李外省"].id is not None
    assert outside_guizhou(experts["李外省"].province)


@pytest.mark.parametrize(
    ("clause", "category", "blocked"),
    [
        ("贵阳 四(四)4", "罚款", True),
        ("贵阳 四(四)4", "罚款及滞纳金", True),
        ("贵阳 四(四)4", "fines", True),
        ("贵阳 四(四)4", "捐款", True),
        ("贵阳 四(四)4", "赞助", True),
        ("贵阳 四(四)4", "对外投资", True),
        ("贵阳 四(四)4", "福利性支出", True),
        ("贵阳 四(四)4", "生产经营成本支出", True),
        ("贵阳 四(四)4", "专家咨询费", False),
        ("贵阳 四(四)4", "会议费", False),
    ],
)
def test_forbidden_budget_categories_are_refused_at_submit(clause, category, blocked):
    w = Guiyang()
    w.BUDGET = [
        *Guiyang.BUDGET,
        {"category": category, "content": "某项支出", "amount": "1000", "basis": "1项"},
    ]
    app = w.draft()
    if blocked:
        with pytest.raises(TransitionError) as exc:
            w.act(app, "submit", w.staff)
        message = str(exc.value)
        assert "经费预算表第3行" in message and clause in message
        app.refresh_from_db()
        assert app.stage == "draft"
    else:
        w.act(app, "submit", w.staff)
        assert app.stage == "material_review"
