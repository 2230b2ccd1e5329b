"""Each role's main path through an application, in headless Chromium."""

import datetime as dt

import pytest

from applications.models import Application, PublicNotice
from tests.applications.conftest import World, pinned_application_day  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def switch(page, login_as, user):
    page.context.clear_cookies()
    login_as(user)


def test_award_from_filing_to_certified_station(page, login_as, screenshot):
    world = World()
    base = page.base_url

    # Society staff files an application for its station, with the required proof.
    login_as(world.staff)
    page.goto(f"{base}/applications/calls/")
    page.select_option(f"[data-testid=station-{world.call.pk}]", str(world.station.pk))
    page.click(f"[data-testid=apply-{world.call.pk}]")
    page.fill("#id_title", "科技成果评价承接职能示范工程")
    page.fill("#id_summary", "承接市科技局委托的科技成果评价工作。")
    page.fill("#id_council_resolution", "2026年3月理事会研究通过。")
    page.select_option("#id_function_category", "科技成果评价与鉴定")
    page.fill("#id_entrusting_body", "连云港市科学技术局")
    page.fill("#id_outcomes", "完成评价项目12项。")
    page.set_input_files(
        "#file_function_proof",
        {"name": "委托书.pdf", "mimeType": "application/pdf", "buffer": PDF},
    )
    screenshot("application-form")
    page.click("[data-testid=submit-application]")
    assert page.inner_text("[data-testid=stage]") == "市科协学会部受理"
    app = Application.objects.get()

    # The administrator returns it with a comment.
    switch(page, login_as, world.admin)
    page.goto(f"{base}/applications/inbox/")
    page.click(f"text={app.title}")
    page.fill("#id_comment", "请补充承接成效的具体数据。")
    page.click("[data-testid=action-return]")
    assert "建站" not in page.inner_text("[data-testid=stage]")
    assert page.inner_text("[data-testid=stage]").startswith("申报")

    # Staff sees the comment and resubmits.
    switch(page, login_as, world.staff)
    page.goto(f"{base}/applications/{app.pk}/edit/")
    assert "请补充承接成效的具体数据" in page.inner_text("[data-testid=returned-note]")
    page.fill("#id_outcomes", "完成评价项目15项，服务企业30家。")
    page.click("[data-testid=submit-application]")
    assert page.inner_text("[data-testid=stage]") == "市科协学会部受理"

    # The administrator accepts it and draws two experts; the server's seed is recorded and shown.
    switch(page, login_as, world.admin)
    page.goto(f"{base}/applications/{app.pk}/")
    page.click("[data-testid=action-approve]")
    page.click("[data-testid=panel-link]")
    page.fill("#id_size", "2")
    assert page.locator("#id_seed").count() == 0  # the administrator cannot choose it
    page.click("[data-testid=draw]")
    assert app.draws.get().seed in page.content()
    assigned = list(app.assignments.values_list("expert_id", flat=True))
    assert len(assigned) == 2

    # Each expert declares no conflict and scores with a running total.
    for expert_id, points in zip(assigned, (("28", "36", "25"), ("26", "34", "24")), strict=True):
        user = next(u for u in world.expert_users if u.expert_id == expert_id)
        switch(page, login_as, user)
        page.goto(f"{base}/applications/{app.pk}/score/")
        page.click("[data-testid=declare-none]")
        page.fill("[name=points_conditions]", points[0])
        page.fill("[name=points_results]", points[1])
        page.fill("[name=points_model]", points[2])
        total = sum(int(p) for p in points)
        assert page.inner_text("[data-testid=running-total]") == str(total)
        page.fill("#id_comment", "材料齐全，成效明显。")
        if expert_id == assigned[0]:
            screenshot("expert-scoring")
        page.click("[data-testid=submit-score]")
        assert str(total) in page.inner_text("[data-testid=score-submitted]")

    # The administrator sees the panel, moves on, approves within the quota, publishes.
    switch(page, login_as, world.admin)
    page.goto(f"{base}/applications/{app.pk}/")
    assert "平均分 86.50" in page.inner_text("[data-testid=panel-summary]")
    page.click("[data-testid=action-approve]")
    assert page.inner_text("[data-testid=stage]").startswith("领导小组")
    page.click("[data-testid=action-approve]")
    assert page.inner_text("[data-testid=stage]") == "市科协网站公示"
    page.goto(f"{base}/applications/notices/new/")
    page.fill("#id_title", "2026年承接职能示范工程拟奖励名单公示")
    page.click("[data-testid=publish-notice]")
    assert "5个工作日" in page.inner_text("[data-testid=notice-period]")

    # Approving during the notice is refused; once it has closed, the award is made.
    page.goto(f"{base}/applications/{app.pk}/")
    page.click("[data-testid=action-approve]")
    assert "期满后方可" in page.inner_text(".alert-danger")
    PublicNotice.objects.update(start_on=dt.date(2025, 11, 3), end_on=dt.date(2025, 11, 7))
    page.click("[data-testid=action-approve]")
    assert page.inner_text("[data-testid=stage]") == "表彰奖励"
    certificate = page.inner_text("[data-testid=certification]")
    assert "连科协〔" in certificate
    screenshot("application-certified")
    world.station.refresh_from_db()
    assert world.station.status == "certified" and world.station.certificate_no
    history = page.inner_text("[data-testid=history]")
    assert history.count("提交") == 2 and "退回修改" in history
