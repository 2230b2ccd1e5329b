"""The world the permission matrix probes: Shenyang objects that belong to society A.

Every URL's path arguments point at these objects, so for each role the matrix says whether
that role may reach *society A's* station, application, grant, demand, file... Objects are
made through the ORM where business rules don't matter, through services where they do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from guardian.shortcuts import assign_perm

from accounts.models import Notification
from accounts.roles import Role
from applications.models import Application, Attachment, Call, PublicNotice
from evaluations.models import EvaluationAttachment, EvaluationRound, StationEvaluation
from funding import services as funding
from network import services as network
from network.models import DemandAttachment
from policies.models import StatutoryDay
from reports.models import ExportJob, ImportJob
from stations.choices import Level, StationStatus
from stations.models import ActivityEvidence
from tests.factories import (
    ActivityRecordFactory,
    ExpertFactory,
    HostUnitFactory,
    SocietyFactory,
    StationFactory,
    UserFactory,
    city,
    district_of,
    make_credit_code,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ROLES = (
    "anonymous",
    "society_a",
    "society_b",
    "host",
    "county_other",
    "admin_other_city",
    "expert_unassigned",
    "finance",
    "talent",
    "superuser",
)
# Roles that must never read society A's objects (they belong to someone else's scope).
OUTSIDERS = ("society_b", "county_other", "admin_other_city", "expert_unassigned")


@dataclass
class World:
    users: dict
    city: object
    station: object
    society: object
    host_unit: object
    expert: object
    record: object
    evidence: object
    call: object
    application: object
    attachment: object
    notice: object
    round: object
    evaluation: object
    evaluation_attachment: object
    grant: object
    disbursement: object
    demand: object
    demand_attachment: object
    holiday: object
    export_job: object
    import_job: object
    notification: object
    target_user: object


def build_world() -> World:
    sy = city("shenyang")
    home, elsewhere = district_of(sy, 0), district_of(sy, 4)
    society = SocietyFactory(city=sy, level=Level.NATIONAL, name="矩阵甲学会")
    host = HostUnitFactory(city=sy, district=home, bank_account_no="6222020200001111222")
    station = StationFactory(
        city=sy,
        society=society,
        host_unit=host,
        district=home,
        program="key_support",
        status=StationStatus.KEY_SUPPORTED,
        name="矩阵甲服务站",
    )
    other = StationFactory(city=sy, name="矩阵乙服务站")
    expert = ExpertFactory(city=sy, society=society, name="甲学会专家")
    admin = UserFactory(role=Role.CITY_ADMIN, city=sy, username="m_admin")
    users = {
        "society_a": UserFactory(role=Role.SOCIETY_STAFF, society=society, username="m_soc_a"),
        "society_b": UserFactory(
            role=Role.SOCIETY_STAFF, society=other.society, username="m_soc_b"
        ),
        "host": UserFactory(role=Role.HOST_STAFF, host_unit=host, username="m_host"),
        "county_other": UserFactory(
            role=Role.COUNTY_REVIEWER, district=elsewhere, username="m_county"
        ),
        "admin_other_city": UserFactory(
            role=Role.CITY_ADMIN, city=city("hangzhou"), username="m_hz"
        ),
        "expert_unassigned": UserFactory(
            role=Role.EXPERT_REVIEWER,
            expert=ExpertFactory(city=sy, is_reviewer=True),
            username="m_expert",
        ),
        "finance": UserFactory(role=Role.FINANCE, city=sy, username="m_finance"),
        "talent": UserFactory(role=Role.TALENT_OFFICE, city=sy, username="m_talent"),
        "superuser": UserFactory(
            role=Role.SUPERUSER, city=None, is_superuser=True, is_staff=True, username="m_root"
        ),
    }

    record = ActivityRecordFactory(station=station, kind="survey", title="矩阵调研")
    evidence = ActivityEvidence(
        record=record, original_name="证明.pdf", content_type="application/pdf", size=len(PDF)
    )
    evidence.file.save("x", ContentFile(PDF), save=False)
    evidence.save()

    today = timezone.localdate()
    call = Call.objects.create(
        city=sy,
        program="key_support",
        title="矩阵遴选",
        opens_on=today - dt.timedelta(days=10),
        closes_on=today + dt.timedelta(days=10),
        created_by=admin,
    )
    application = Application.objects.create(
        city=sy,
        call=call,
        program="key_support",
        level=Level.NATIONAL,
        title="矩阵甲申报",
        society=society,
        host_unit=host,
        district=home,
        station=station,
        stage="investigation",
        created_by=users["host"],
    )
    attachment = Attachment(
        application=application,
        kind="agreement",
        original_name="协议.pdf",
        content_type="application/pdf",
        size=len(PDF),
        uploaded_by=users["host"],
    )
    attachment.file.save("x", ContentFile(PDF), save=False)
    attachment.save()
    notice = PublicNotice.objects.create(
        city=sy, title="矩阵公示", start_on=today, end_on=today, workdays=5, published_by=admin
    )

    grant = funding.grant_create(
        station=station, program="key_support", start_year=2025, actor=admin
    )
    disbursement = funding.disbursement_approve(
        grant=grant,
        year=2025,
        paid_on=today,
        voucher_no="矩阵-1",
        payee_account_name=host.name,
        payee_bank="中国银行",
        payee_account_no="6222020200001111222",
        actor=users["finance"],
    )
    rnd = EvaluationRound.objects.create(
        city=sy, year=2025, title="矩阵考核", due_date=today, opened_by=admin
    )
    evaluation = StationEvaluation.objects.create(
        round=rnd, station=station, grant=grant, year=2025
    )
    ev_attachment = EvaluationAttachment(
        evaluation=evaluation,
        original_name="自评.pdf",
        content_type="application/pdf",
        size=len(PDF),
        uploaded_by=users["society_a"],
    )
    ev_attachment.file.save("x", ContentFile(PDF), save=False)
    ev_attachment.save()

    enterprise = network.enterprise_register(
        city=sy,
        name="矩阵企业有限公司",
        credit_code=make_credit_code(880001),
        contact_name="王经理",
        contact_mobile="13700000001",
        contact_email="m@example.cn",
        username="m_enterprise",
        password="pw-Secret-123",
    )
    demand = network.demand_submit(
        enterprise=enterprise,
        actor=enterprise.user,
        title="矩阵需求",
        description="需要专家",
        industry="装备制造",
        field="机械工程",
        urgency="normal",
    )
    demand.station = station
    demand.save()
    demand_attachment = DemandAttachment(
        demand=demand,
        original_name="需求.pdf",
        content_type="application/pdf",
        size=len(PDF),
        uploaded_by=enterprise.user,
    )
    demand_attachment.file.save("x", ContentFile(PDF), save=False)
    demand_attachment.save()

    TOTPDevice.objects.create(user=users["finance"], name="TOTP", confirmed=True)
    holiday = StatutoryDay.objects.create(date=dt.date(2027, 1, 1), is_workday=False, name="元旦")
    job = ExportJob.objects.create(owner=users["finance"], kind="stations")
    # A checked import (dry run, done, no problems) of the platform administrator's.
    import_job = ImportJob.objects.create(
        owner=users["superuser"],
        kind="societies",
        status=ImportJob.Status.DONE,
        result={"kind": "societies", "rows": 0, "problems": [], "notes": []},
    )
    note = Notification.objects.create(recipient=users["society_a"], title="矩阵通知")
    assign_perm("stations.view_station", users["expert_unassigned"], other)  # assigned elsewhere

    return World(
        users=users,
        city=sy,
        station=station,
        society=society,
        host_unit=host,
        expert=expert,
        record=record,
        evidence=evidence,
        call=call,
        application=application,
        attachment=attachment,
        notice=notice,
        round=rnd,
        evaluation=evaluation,
        evaluation_attachment=ev_attachment,
        grant=grant,
        disbursement=disbursement,
        demand=demand,
        demand_attachment=demand_attachment,
        holiday=holiday,
        export_job=job,
        import_job=import_job,
        notification=note,
        target_user=users["society_a"],
    )
