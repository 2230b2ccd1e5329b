"""Fixtures for the applications tests: a Lianyungang award round with its people."""

import datetime as dt
import io
import zipfile
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.roles import Role
from applications import facts as app_facts
from applications import services
from applications.models import AttachmentKind, Call
from stations.choices import Level, StationStatus, SupervisingCast
from stations.models import SocietyInspection
from tests.factories import (
    ExpertFactory,
    HostUnitFactory,
    SocietyFactory,
    StationFactory,
    UserFactory,
    city,
    district_of,
)
from tests.files import PNG

APPLICATION_DAY = dt.date(2026, 6, 1)  # inside every Lianyungang deadline


def on_day(day: dt.date):
    """Travel to `day`, 10:00 in China (a notice starts today or later: publish on its day)."""
    return time_machine.travel(
        dt.datetime.combine(day, dt.time(10), tzinfo=ZoneInfo("Asia/Shanghai")), tick=True
    )


def pdf(name="材料.pdf", size=0) -> SimpleUploadedFile:
    body = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    return SimpleUploadedFile(name, body + b"0" * size, content_type="application/pdf")


def png(name="photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def docx(name="协议.docx") -> SimpleUploadedFile:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return SimpleUploadedFile(name, buf.getvalue())


@pytest.fixture(autouse=True)
def pinned_application_day(monkeypatch):
    """Eligibility sees a fixed application date (Lianyungang deadlines are by month-day)."""
    monkeypatch.setattr(app_facts, "application_day", lambda: APPLICATION_DAY)


class World:
    """A Lianyungang round: society, staff, admin, experts, a call for function projects."""

    def __init__(self):
        self.city = city("lianyungang")
        self.district = district_of(self.city, 0)
        self.other_district = district_of(self.city, 1)
        self.society = SocietyFactory(
            city=self.city, level=Level.CITY, supervising_cast=SupervisingCast.CITY, rating="4A"
        )
        for year in (2024, 2025):
            SocietyInspection.objects.create(society=self.society, year=year, result="passed")
        self.host = HostUnitFactory(city=self.city, district=self.district)
        self.station = StationFactory(
            city=self.city,
            society=self.society,
            host_unit=self.host,
            level=Level.CITY,
            program="service_station",
            status=StationStatus.FILED,
        )
        self.staff = UserFactory(role=Role.SOCIETY_STAFF, society=self.society)
        self.admin = UserFactory(role=Role.CITY_ADMIN, city=self.city)
        self.county = UserFactory(role=Role.COUNTY_REVIEWER, district=self.district)
        self.other_county = UserFactory(role=Role.COUNTY_REVIEWER, district=self.other_district)
        self.experts = [
            ExpertFactory(city=self.city, is_reviewer=True, field="管理科学") for _ in range(4)
        ]
        self.expert_users = [UserFactory(role=Role.EXPERT_REVIEWER, expert=e) for e in self.experts]
        self.call = Call.objects.create(
            city=self.city,
            program="function_project",
            title="2026年承接职能示范工程申报",
            opens_on=dt.date(2020, 1, 1),
            closes_on=dt.date(2099, 12, 31),
            quota=1,
            required_materials=[AttachmentKind.FUNCTION_PROOF],
        )

    def form_data(self, **extra):
        data = {
            "title": "科技成果评价承接职能示范工程",
            "level": "city",
            "summary": "承接市科技局委托的科技成果评价工作。",
            "council_resolution": "2026年3月理事会研究通过。",
            "function_category": "科技成果评价与鉴定",
            "entrusting_body": "连云港市科学技术局",
            "outcomes": "完成评价项目12项。",
        }
        data.update(extra)
        return data

    def draft(self, *, staff=None, with_proof=True, station=None, **extra):
        staff = staff or self.staff
        app = services.application_create(call=self.call, actor=staff, station=station)
        app = services.application_save_draft(
            application=app, actor=staff, data=self.form_data(**extra)
        )
        if with_proof:
            services.attachment_add(
                application=app, actor=staff, kind=AttachmentKind.FUNCTION_PROOF, upload=pdf()
            )
        return app

    def submitted(self, **kw):
        app = self.draft(**kw)
        services.application_transition(application=app, action="submit", actor=self.staff)
        app.refresh_from_db()
        return app

    def act(self, app, action, actor=None, **kw):
        services.application_transition(
            application=app, action=action, actor=actor or self.admin, **kw
        )
        app.refresh_from_db()
        return app

    def score_all(self, app, experts=None, points=(25, 35, 25)):
        experts = experts if experts is not None else self.experts[:2]
        for expert in experts:
            services.assignment_create(application=app, expert=expert, actor=self.admin)
        for expert in experts:
            user = next(u for u in self.expert_users if u.expert_id == expert.pk)
            assignment = app.assignments.get(expert=expert, stage=app.stage)
            services.assignment_declare(assignment=assignment, actor=user, no_conflict=True)
            services.score_save(
                assignment=assignment,
                actor=user,
                points=dict(zip(("conditions", "results", "model"), points, strict=True)),
                comment="同意推荐。",
                submit=True,
            )

    def to_notice(self, app):
        """Drive a submitted application to the public-notice stage."""
        self.act(app, "approve")  # intake → expert_review
        self.score_all(app)
        self.act(app, "approve")  # expert_review → leading_group
        self.act(app, "approve")  # leading_group → public_notice (quota)
        return app


@pytest.fixture
def world(db):
    return World()
