"""Forms that do not lose or lie: a double-clicked submit succeeds once and says so, a
refused amount keeps what was typed, scoring names the missing comment and keeps the total."""

import re

import pytest
from django.urls import reverse

from applications import services
from applications.models import ApplicationTransition
from tests.applications.cities import Hangzhou

pytestmark = pytest.mark.django_db

APP_TEMPLATES = "templates/applications"


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_a_double_clicked_submit_submits_once_and_both_answers_say_submitted(world, client):
    app = world.draft()
    client.force_login(world.staff)
    url = reverse("applications:edit", args=[app.pk])
    data = {**world.form_data(), "version": str(app.version), "submit": "1"}
    first = client.post(url, data, follow=True)
    second = client.post(url, data, follow=True)  # the same page's version: a double click
    for response in (first, second):
        assert "申报已提交。" in _messages(response)
        assert not any("他人修改" in m or "不能编辑" in m for m in _messages(response))
        assert response.redirect_chain[-1][0] == reverse("applications:detail", args=[app.pk])
    assert ApplicationTransition.objects.filter(application=app, action="submit").count() == 1


def test_a_double_clicked_approve_says_done_not_expired(world, client):
    app = world.submitted()
    client.force_login(world.admin)
    url = reverse("applications:act", args=[app.pk])
    data = {"action": "approve", "version": app.version}
    client.post(url, data)
    second = client.post(url, data, follow=True)
    assert any(m.startswith("已通过") for m in _messages(second)), _messages(second)
    assert not any("过期" in m for m in _messages(second))
    assert ApplicationTransition.objects.filter(application=app, action="approve").count() == 1


def _to_approval(w):
    app = w.submitted()
    w.act(app, "approve")
    w.score_all(app, [80, 90, 70])
    w.act(app, "approve")
    return w.act(app, "approve", w.talent)


def test_an_out_of_range_amount_keeps_the_comment_and_amount_with_its_own_message(client):
    w = Hangzhou()
    app = _to_approval(w)
    client.force_login(w.admin)
    response = client.post(
        reverse("applications:act", args=[app.pk]),
        {
            "action": "approve",
            "version": app.version,
            "comment": "经研究同意立项，补助按上限。",
            "amount": "120000",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "经研究同意立项，补助按上限。" in page
    assert 'value="120000"' in page
    error = re.search(r'data-testid="amount-error">([^<]+)<', page).group(1)
    assert "20000–30000" in error and "杭州" in error
    app.refresh_from_db()
    assert app.stage == "approval"
    # The values come back once: reloading shows a fresh form.
    page = client.get(reverse("applications:detail", args=[app.pk])).content.decode()
    assert "经研究同意立项" not in page


def test_every_applications_form_switches_off_browser_validation():
    from pathlib import Path

    for path in Path(APP_TEMPLATES).glob("*.html"):
        for tag in re.findall(r"<form\b[^>]*>", path.read_text()):
            if "attachment_delete" in tag:
                continue  # a bare button, nothing to validate
            assert "novalidate" in tag, f"{path.name}: {tag}"


def test_scoring_without_a_comment_names_it_and_keeps_the_total(world, client):
    app = world.submitted()
    world.act(app, "approve")
    expert, user = world.experts[0], world.expert_users[0]
    assignment = services.assignment_create(application=app, expert=expert, actor=world.admin)
    services.assignment_declare(assignment=assignment, actor=user, no_conflict=True)
    client.force_login(user)
    response = client.post(
        reverse("applications:score", args=[app.pk]),
        {
            "points_conditions": "28",
            "points_results": "36",
            "points_model": "20",
            "comment": "",
            "submit": "1",
        },
    )
    assert "评分未提交：请填写评审意见。" in _messages(response)
    assert re.search(r'data-testid="running-total">\s*84', response.content.decode())


def test_the_contract_step_records_date_number_and_signed_scan(client):
    """杭州 附件第九条: 签订项目合同 records the contract, not only a comment."""
    from accounts.models import AuditEvent
    from applications.models import ProjectContract
    from tests.applications.conftest import pdf

    w = Hangzhou()
    app = w.act(_to_approval(w), "approve", amount=25000)
    assert app.stage == "contract"
    client.force_login(w.admin)
    url = reverse("applications:act", args=[app.pk])
    page = client.get(reverse("applications:detail", args=[app.pk])).content.decode()
    assert 'data-testid="contract-fields"' in page and 'enctype="multipart/form-data"' in page
    response = client.post(
        url,
        {"action": "approve", "version": app.version, "comment": "合同已签", "contract_no": "HZ-1"},
        follow=True,
    )
    page = response.content.decode()
    assert "请填写合同签订日期。" in page and "请上传签字盖章的合同扫描件。" in page
    assert "合同已签" in page and 'value="HZ-1"' in page
    app.refresh_from_db()
    assert app.stage == "contract" and not ProjectContract.objects.exists()
    client.post(
        url,
        {
            "action": "approve",
            "version": app.version,
            "comment": "合同已签",
            "contract_no": "杭科协合〔2026〕12号",
            "contract_signed_on": "2026-11-30",
            "contract_scan": pdf("合同.pdf"),
        },
    )
    app.refresh_from_db()
    assert (app.stage, app.outcome) == ("approved", "certified")
    contract = ProjectContract.objects.get(application=app)
    assert contract.number == "杭科协合〔2026〕12号"
    assert contract.scan.kind == "signed_contract"
    assert AuditEvent.objects.filter(event="application.contract_recorded").exists()
    page = client.get(reverse("applications:detail", args=[app.pk])).content.decode()
    assert 'data-testid="contract"' in page and "杭科协合〔2026〕12号" in page
