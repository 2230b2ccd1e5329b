"""Matching: field fit outranks wording, the breakdown adds up, and it runs on any database."""

import pytest

from network import matching, selectors
from tests.factories import ExpertFactory, StationExpertFactory, StationFactory


def test_bigrams_of_chinese_and_latin_text():
    assert matching.bigrams("机械工程") == {"机械", "械工", "工程"}
    assert matching.bigrams("AI 芯片") == {"ai", "芯片"}
    assert matching.bigrams("") == frozenset()


def test_exact_field_match_scores_the_field_points():
    query = matching.Query(field="机械工程", industry="装备制造", text="主轴振动")
    score = matching.score(query, matching.Profile(("机械工程",), (), ""))
    parts = {p.label: p.points for p in score.parts}
    assert parts["领域一致"] == matching.FIELD_EXACT
    assert parts["领域相近"] == matching.FIELD_SIMILAR
    assert score.total == sum(parts.values())


def test_scores_stay_within_100():
    query = matching.Query(field="机械工程", industry="装备制造", text="机械工程 装备制造")
    profile = matching.Profile(("机械工程",), ("装备制造",), "机械工程 装备制造")
    assert matching.score(query, profile).total == 100


@pytest.mark.django_db
def test_field_matching_expert_ranks_above_non_matching_one(demand, city_admin, shenyang):
    station = StationFactory(city=shenyang, industry="装备制造", discipline="机械工程")
    matching_expert = ExpertFactory(city=shenyang, name="机械专家", field="机械工程")
    other_expert = ExpertFactory(city=shenyang, name="药学专家", field="药学", bio="从事药物分析")
    StationExpertFactory(station=station, expert=matching_expert)
    ranked = selectors.match_experts(city_admin, demand)
    names = [e.name for e, _s in ranked]
    assert names.index("机械专家") < names.index("药学专家")
    scores = {e.pk: s for e, s in ranked}
    assert scores[matching_expert.pk].total > scores[other_expert.pk].total


@pytest.mark.django_db
def test_station_matching_prefers_field_and_industry(demand, city_admin, shenyang):
    fit = StationFactory(city=shenyang, industry="装备制造", discipline="机械工程")
    unfit = StationFactory(city=shenyang, industry="现代农业", discipline="作物学")
    ranked = selectors.match_stations(city_admin, demand)
    scores = {s.pk: score.total for s, score in ranked}
    assert ranked[0][0] == fit
    assert scores[fit.pk] > scores[unfit.pk]


@pytest.mark.django_db
def test_matching_only_offers_the_demand_citys_stations(demand, city_admin, hangzhou):
    elsewhere = StationFactory(city=hangzhou, discipline="机械工程")
    assert elsewhere.pk not in [s.pk for s, _ in selectors.match_stations(city_admin, demand)]
