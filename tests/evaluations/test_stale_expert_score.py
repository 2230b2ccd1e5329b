"""Evaluation expert scores carry a version: a save from an older page is refused (issue 13)."""

import re

import pytest

from evaluations import services
from evaluations.models import ExpertScore
from policies import api as engine
from tests.evaluations.test_cycle import opened

pytestmark = pytest.mark.django_db


def test_a_stale_expert_score_is_refused_and_the_newer_kept(client):
    ev, who = opened("shenyang", "national", "key_support")
    services.evaluation_submit(evaluation=ev, actor=who["society"], summary="总结")
    services.experts_assign(evaluation=ev, experts=[who["expert"]], actor=who["admin"])
    client.force_login(who["expert"])
    page = client.get(f"/evaluations/{ev.pk}/").content.decode()
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    rubric = engine.evaluation_rubric(ev.station.city, ev.grant.program)
    full = {f"pt_{i.code}": str(i.max_points) for i in rubric.indicators}
    fields = {**full, "pt_assurance": "20", "comment": "第一个标签页", "version": version}
    client.post(f"/evaluations/{ev.pk}/score/", fields)
    stale = {**fields, "pt_assurance": "5", "comment": "第二个标签页"}
    response = client.post(f"/evaluations/{ev.pk}/score/", stale, follow=True)
    assert "已保留较新的评分" in response.content.decode()
    score = ExpertScore.objects.get(evaluation=ev)
    assert score.comment == "第一个标签页" and score.points["assurance"] == 20.0
    # Freshly loaded, the page carries the new version and the save goes through.
    page = client.get(f"/evaluations/{ev.pk}/").content.decode()
    fresh = re.search(r'name="version" value="(\d+)"', page).group(1)
    assert int(fresh) == score.version
    client.post(f"/evaluations/{ev.pk}/score/", {**stale, "version": fresh})
    assert ExpertScore.objects.get(evaluation=ev).comment == "第二个标签页"
