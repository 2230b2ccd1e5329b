"""Written change requests: request → approval on the station (issue 12 minor).

益阳 第十四条 (合并、重组、撤销：建站单位或上级学会书面申请), 贵阳 四(三)5 (建站学会书面申请),
杭州 附件第九条 (项目变更、终止须报市科协批准).
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import AuditEvent
from funding import services
from funding.models import ChangeRequest, Grant
from stations.choices import StationStatus
from tests.funding.cycle import make_station, people

pytestmark = pytest.mark.django_db

LEVEL = {
    "yiyang": ("city", "station"),
    "guiyang": ("city", "station"),
    "hangzhou": ("city", "station"),
}


def funded(city_code):
    level, program = LEVEL[city_code]
    station = make_station(city_code, level=level, program=program)
    who = people(station)
    amount = 25000 if city_code == "hangzhou" else None
    grant = services.grant_create(
        station=station, program=program, start_year=2025, amount=amount, actor=who["admin"]
    )
    return station, grant, who


@pytest.mark.parametrize(
    ("clause", "city_code", "kind", "requester", "approve", "station_status", "frozen"),
    [
        ("益阳 第十四条", "yiyang", "cancel", "host", True, StationStatus.REVOKED, True),
        ("益阳 第十四条", "yiyang", "merge", "society", True, StationStatus.CERTIFIED, False),
        ("益阳 第十四条", "yiyang", "cancel", "host", False, StationStatus.CERTIFIED, False),
        ("贵阳 四(三)5", "guiyang", "restructure", "society", True, StationStatus.CERTIFIED, False),
        ("贵阳 四(三)5", "guiyang", "cancel", "society", True, StationStatus.REVOKED, True),
        ("杭州 附件第九条", "hangzhou", "terminate", "society", True, StationStatus.REVOKED, True),
        ("杭州 附件第九条", "hangzhou", "change", "society", True, StationStatus.CERTIFIED, False),
    ],
)
def test_change_request_flow(clause, city_code, kind, requester, approve, station_status, frozen):
    station, grant, who = funded(city_code)
    change = services.change_request_submit(
        station=station, kind=kind, reason="因单位合并，申请调整（书面申请）", actor=who[requester]
    )
    assert change.status == ChangeRequest.Status.PENDING and change.clause == clause
    with pytest.raises(ValidationError, match="待审批"):
        services.change_request_submit(
            station=station, kind=kind, reason="再次申请", actor=who[requester]
        )
    with pytest.raises(PermissionDenied):
        services.change_request_decide(
            change=change, approve=True, note="同意", actor=who["finance"]
        )
    decided = services.change_request_decide(
        change=change,
        approve=approve,
        note="经研究，同意" if approve else "不同意",
        actor=who["admin"],
    )
    assert decided.status == (
        ChangeRequest.Status.APPROVED if approve else ChangeRequest.Status.REFUSED
    )
    station.refresh_from_db()
    grant.refresh_from_db()
    assert station.status == station_status, clause
    assert bool(grant.frozen_reason) is frozen and (grant.frozen_clause == clause) is frozen
    if frozen:
        assert grant.status == Grant.Status.REVOKED and services.payable(grant) == []
    # Decided once: no second decision.
    with pytest.raises(ValidationError, match="不能再"):
        services.change_request_decide(change=change, approve=True, note="再批", actor=who["admin"])
    events = AuditEvent.objects.filter(
        event__in=["funding.change_requested", "funding.change_decided"]
    )
    assert {e.clause for e in events} == {clause} and events.count() == 2


@pytest.mark.parametrize(
    ("clause", "city_code", "kind", "requester", "error"),
    [
        ("益阳 第十四条", "yiyang", "terminate", "host", ValidationError),  # not a Yiyang kind
        ("贵阳 四(三)5", "guiyang", "cancel", "host", PermissionDenied),  # the society files it
        ("杭州 附件第九条", "hangzhou", "change", "expert", PermissionDenied),
    ],
)
def test_who_may_file_what(clause, city_code, kind, requester, error):
    station, _grant, who = funded(city_code)
    with pytest.raises(error):
        services.change_request_submit(
            station=station, kind=kind, reason="申请", actor=who[requester]
        )
    assert not ChangeRequest.objects.exists()


def test_a_city_without_the_rule_has_no_change_requests():
    station = make_station("shenyang", level="national", program="key_support")
    who = people(station)
    with pytest.raises(ValidationError, match="未规定"):
        services.change_request_submit(
            station=station, kind="cancel", reason="x", actor=who["society"]
        )


def test_the_station_page_files_and_decides_a_request(client):
    station, grant, who = funded("yiyang")
    url = f"/funding/stations/{station.pk}/"
    client.force_login(who["host"])
    page = client.get(url).content.decode()
    assert 'data-testid="change-request-form"' in page and "益阳 第十四条" in page
    client.post(f"{url}changes/", {"kind": "cancel", "reason": "企业转型，申请撤销服务站"})
    change = ChangeRequest.objects.get()
    client.force_login(who["admin"])
    page = client.get(url).content.decode()
    assert "企业转型" in page and "批准" in page
    client.post(f"{url}changes/{change.pk}/decide/", {"decision": "approve", "note": "同意撤销"})
    change.refresh_from_db()
    station.refresh_from_db()
    assert change.status == ChangeRequest.Status.APPROVED
    assert station.status == StationStatus.REVOKED
    # Another city's administrator neither sees the station nor decides.
    from accounts.roles import Role
    from tests.factories import UserFactory, city

    other = UserFactory(role=Role.CITY_ADMIN, city=city("hangzhou"))
    client.force_login(other)
    assert client.get(url).status_code == 404
    assert (
        client.post(
            f"{url}changes/{change.pk}/decide/", {"decision": "refuse", "note": "x"}
        ).status_code
        == 404
    )
