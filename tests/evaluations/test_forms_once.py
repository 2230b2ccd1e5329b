"""Evaluation forms do not stay open and do not lose input (issue 15).

The self-report and the expert's score are read-only once submitted, the page says when
and by whom, and the server refuses a second submission clearly; a refused form comes back
with what was typed; no form leaves validation to the browser (English bubbles).
"""

import re

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEvent
from evaluations import services
from evaluations.models import ExpertScore, StationEvaluation
from policies import api as engine
from tests.evaluations.test_cycle import opened

pytestmark = pytest.mark.django_db


def page_of(client, ev) -> str:
    return client.get(f"/evaluations/{ev.pk}/").content.decode()


def version_in(page: str) -> str:
    return re.search(r'name="version" value="(\d+)"', page).group(1)


def test_self_report_is_read_only_once_submitted_and_a_second_post_is_refused(client):
    ev, who = opened("shenyang", "national", "key_support")
    client.force_login(who["society"])
    page = page_of(client, ev)
    assert 'data-testid="report-form"' in page
    forms = re.findall(r'<form[^>]*action="/evaluations/[^>]*>', page)
    assert len(forms) == 2 and all("novalidate" in form for form in forms)
    post = {"version": version_in(page), "summary": "第一次提交的总结"}
    assert client.post(f"/evaluations/{ev.pk}/submit/", post).status_code == 302

    page = page_of(client, ev)
    assert 'data-testid="report-form"' not in page
    assert 'name="file"' not in page  # attachments close with the report
    state = re.search(r'data-testid="report-state">([^<]+)<', page).group(1)
    assert "2026年12月1日 10:00" in state and str(who["society"]) in state and "不能修改" in state

    # The same POST again (double click, second tab): refused, clearly, nothing changed.
    again = client.post(f"/evaluations/{ev.pk}/submit/", {**post, "summary": "第二次"}, follow=True)
    assert again.status_code == 200
    assert "自评材料已于 2026年12月1日 10:00" in again.content.decode()
    ev.refresh_from_db()
    assert ev.summary == "第一次提交的总结"
    assert AuditEvent.objects.filter(event="evaluations.self_report_submitted").count() == 1
    # Another member of the station sees the same lock and cannot attach files.
    client.force_login(who["host"])
    assert "不能修改" in page_of(client, ev)
    assert client.post(f"/evaluations/{ev.pk}/attach/", {}).status_code == 403


def test_a_refused_self_report_keeps_what_was_typed(client):
    ev, who = opened("hangzhou", "city", "station", amount=25000)
    client.force_login(who["society"])
    page = page_of(client, ev)
    assert 'name="final_accounts"' in page  # the policy's self-report fields
    response = client.post(
        f"/evaluations/{ev.pk}/submit/",
        {"version": version_in(page), "summary": "我输入的年度工作总结", "final_accounts": ""},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "我输入的年度工作总结</textarea>" in body
    assert "年终考核须提交经费决算（杭州 附件第十二条）" in body
    assert 'data-testid="form-errors"' in body and "is-invalid" in body
    ev.refresh_from_db()
    assert ev.status == StationEvaluation.Status.PENDING and ev.summary == ""


def test_other_cities_show_only_the_summary(client):
    ev, who = opened("shenyang", "national", "key_support")
    client.force_login(who["society"])
    page = page_of(client, ev)
    assert 'name="summary"' in page and 'name="final_accounts"' not in page


def scored_setup(client):
    ev, who = opened("shenyang", "national", "key_support")
    services.evaluation_submit(evaluation=ev, actor=who["society"], summary="总结")
    services.experts_assign(evaluation=ev, experts=[who["expert"]], actor=who["admin"])
    client.force_login(who["expert"])
    rubric = engine.evaluation_rubric(ev.station.city, ev.grant.program)
    page = page_of(client, ev)
    fields = {f"pt_{i.code}": str(i.max_points) for i in rubric.indicators}
    return ev, who, page, {**fields, "comment": "专家意见原文", "version": version_in(page)}


def test_an_out_of_range_score_keeps_the_input_with_a_chinese_message(client):
    ev, who, page, fields = scored_setup(client)
    assert 'data-testid="score-form"' in page and "novalidate" in page
    response = client.post(f"/evaluations/{ev.pk}/score/", {**fields, "pt_assurance": "30"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "专家意见原文</textarea>" in body and 'value="30"' in body
    assert "25" in re.search(r'id="id_pt_assurance_error">([^<]+)<', body).group(1)
    assert ExpertScore.objects.get(evaluation=ev).submitted_at is None


def test_the_score_is_read_only_once_submitted(client):
    ev, who, page, fields = scored_setup(client)
    assert client.post(f"/evaluations/{ev.pk}/score/", fields).status_code == 302
    page = page_of(client, ev)
    assert 'data-testid="score-form"' not in page
    state = re.search(r'data-testid="score-state">([^<]+)<', page).group(1)
    assert "2026年12月1日 10:00" in state and "不能修改" in state
    assert "专家意见原文" in page
    again = client.post(f"/evaluations/{ev.pk}/score/", {**fields, "comment": "改了"}, follow=True)
    assert "您已于 2026年12月1日 10:00 提交评分" in again.content.decode()
    assert ExpertScore.objects.get(evaluation=ev).comment == "专家意见原文"
    # The service refuses too (a request that passed the page check in a race).
    score = ExpertScore.objects.get(evaluation=ev)
    with pytest.raises(ValidationError, match="提交后不能修改") as refused:
        services.expert_score_submit(
            score=score, points={"assurance": 1}, comment="", actor=who["expert"]
        )
    assert refused.value.code == "already_submitted"
