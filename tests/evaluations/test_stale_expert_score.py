"""An expert's score from an older page is refused and the first kept (issues 13 and 15)."""

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
    page = response.content.decode()
    assert "您已于 2026年12月1日 10:00 提交评分" in page and "不能修改" in page
    score = ExpertScore.objects.get(evaluation=ev)
    assert score.comment == "第一个标签页" and score.points["assurance"] == 20.0
    # The page now shows the submitted score read-only: no form, its state and points.
    assert 'data-testid="score-form"' not in page and 'data-testid="score-state"' in page
