"""Calls: the policy's required materials by default, editing before submissions, and
deadline extensions (with a reason, never past the policy's deadline) afterwards."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from applications import calls, services
from applications.models import AttachmentKind, Call
from policies.registry import all_policies
from tests.applications.conftest import pdf
from tests.factories import UserFactory, city

pytestmark = pytest.mark.django_db

D = dt.date


def test_every_declared_material_is_a_known_attachment_kind():
    for policy in all_policies().values():
        for program in policy.programs.values():
            assert set(program.required_attachments) <= set(AttachmentKind.values), program.code
            if program.required_attachments:
                assert program.materials_clause, program.code


def test_a_call_requires_the_policys_materials_even_without_ticks():
    yiyang = city("yiyang")
    admin = UserFactory(role=Role.CITY_ADMIN, city=yiyang)
    call = services.call_create(
        city=yiyang,
        actor=admin,
        data={
            "program": "station",
            "title": "益阳申报",
            "opens_on": D(2026, 11, 1),
            "closes_on": D(2026, 12, 31),
            "required_materials": [AttachmentKind.EXPERT_LIST],
        },
    )
    assert call.required_materials == [
        "application_form",
        "agreement",
        "performance_goals",
        "work_rules",
        "staff_list",
        "expert_list",
    ]


def test_an_old_call_without_ticks_still_offers_the_policys_uploads(world, client):
    """A draft on a call published without ticks can upload what the rules check (四(四)2)."""
    Call.objects.filter(pk=world.call.pk).update(required_materials=[])
    app = world.draft(with_proof=False)
    client.force_login(world.staff)
    page = client.get(reverse("applications:edit", args=[app.pk])).content.decode()
    assert 'name="file_function_proof"' in page


def test_a_call_without_submissions_is_edited_and_audited(world):
    world.draft()  # a draft does not lock the call
    call = calls.call_update(
        call=world.call,
        actor=world.admin,
        data={"title": "2026年承接职能示范工程申报（更正）", "required_materials": []},
    )
    assert call.title.endswith("（更正）")
    assert call.required_materials == [AttachmentKind.FUNCTION_PROOF]  # the policy's stays
    event = AuditEvent.objects.get(event="call.updated", object_id=str(call.pk))
    assert "title" in event.detail["changed"]


def test_after_a_submission_only_the_deadline_moves_with_a_reason(world):
    world.submitted()
    Call.objects.filter(pk=world.call.pk).update(opens_on=D(2026, 6, 1), closes_on=D(2026, 11, 20))
    world.call.refresh_from_db()
    with pytest.raises(ValidationError, match="已有申报提交"):
        calls.call_update(call=world.call, actor=world.admin, data={"title": "改名"})
    with pytest.raises(ValidationError, match="理由"):
        calls.call_extend(call=world.call, actor=world.admin, closes_on=D(2026, 11, 25), reason="")
    with pytest.raises(ValidationError, match="晚于原截止日期"):
        calls.call_extend(
            call=world.call, actor=world.admin, closes_on=D(2026, 11, 1), reason="延期"
        )
    call = calls.call_extend(
        call=world.call, actor=world.admin, closes_on=D(2026, 11, 27), reason="部分区县材料未齐"
    )
    assert call.closes_on == D(2026, 11, 27)
    event = AuditEvent.objects.get(event="call.deadline_extended", object_id=str(call.pk))
    assert event.reason == "部分区县材料未齐"
    assert event.detail["from"] == "2026-11-20"


def test_an_extension_past_the_policys_deadline_is_clamped_or_refused(world):
    """连云港 五(一): 承接职能示范工程 close on 11-30."""
    world.submitted()
    Call.objects.filter(pk=world.call.pk).update(opens_on=D(2026, 6, 1), closes_on=D(2026, 11, 20))
    world.call.refresh_from_db()
    call = calls.call_extend(
        call=world.call, actor=world.admin, closes_on=D(2026, 12, 31), reason="延期"
    )
    assert call.closes_on == D(2026, 11, 30)
    assert "连云港 五(一)" in call.warnings[0]
    with pytest.raises(ValidationError, match="连云港 五\\(一\\)"):
        calls.call_extend(call=call, actor=world.admin, closes_on=D(2026, 12, 31), reason="再延")


def test_editing_a_call_into_contradiction_with_the_policy_warns(world):
    call = calls.call_update(
        call=world.call,
        actor=world.admin,
        data={"opens_on": D(2026, 6, 1), "closes_on": D(2026, 12, 31)},
    )
    assert call.closes_on == D(2026, 11, 30)
    assert "连云港 五(一)" in call.warnings[0]


def test_the_edit_page_edits_then_only_extends(world, client):
    client.force_login(world.admin)
    url = reverse("applications:call_edit", args=[world.call.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'data-testid="save-call"' in page.content.decode()
    response = client.post(
        url,
        {
            "program": "function_project",
            "title": "新标题",
            "opens_on": "2026-06-01",
            "closes_on": "2026-11-30",
            "required_materials": ["expert_list"],
        },
    )
    assert response.status_code == 302
    world.call.refresh_from_db()
    assert world.call.title == "新标题"
    assert world.call.required_materials == ["function_proof", "expert_list"]
    Call.objects.filter(pk=world.call.pk).update(opens_on=D(2020, 1, 1), closes_on=D(2099, 12, 31))
    world.call.refresh_from_db()
    app = world.draft()
    services.attachment_add(
        application=app, actor=world.staff, kind=AttachmentKind.EXPERT_LIST, upload=pdf()
    )
    services.application_transition(application=app, action="submit", actor=world.staff)
    page = client.get(url).content.decode()
    assert 'data-testid="call-locked"' in page and 'data-testid="save-call"' not in page
    client.force_login(world.staff)
    assert client.get(url).status_code == 404
