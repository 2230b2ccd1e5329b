"""Who sees which demand, and what uploads and downloads allow."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from network import services
from network.choices import DemandStatus
from network.models import Demand, DemandAttachment

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def detail(demand):
    return reverse("network:demand_detail", args=[demand.pk])


@pytest.mark.django_db
def test_another_citys_admin_gets_404_on_the_demand(login, personas, demand):
    client = login(personas["hangzhou_admin"])
    assert client.get(detail(demand)).status_code == 404
    response = client.post(
        reverse("network:demand_transition", args=[demand.pk]), {"target": "closed"}
    )
    assert response.status_code == 404
    assert demand.title not in client.get(reverse("network:demand_list")).content.decode()


@pytest.mark.django_db
def test_the_citys_admin_sees_and_can_assign(login, personas, demand, station):
    client = login(personas["admin"])
    html = client.get(detail(demand)).content.decode()
    assert 'data-testid="assign-form"' in html and station.name in html
    response = client.post(
        reverse("network:demand_transition", args=[demand.pk]),
        {"target": "accepted", "station": station.pk},
    )
    assert response.status_code == 302
    demand.refresh_from_db()
    assert demand.status == DemandStatus.ACCEPTED


@pytest.mark.django_db
def test_an_enterprise_sees_only_its_own_demands(login, shenyang, make_enterprise, submit_demand):
    mine = make_enterprise(shenyang)
    theirs = make_enterprise(shenyang)
    own = submit_demand(mine, title="本企业的需求")
    other = submit_demand(theirs, title="别家企业的需求")
    client = login(mine.user)
    html = client.get(reverse("network:demand_list")).content.decode()
    assert "本企业的需求" in html and "别家企业的需求" not in html
    assert client.get(detail(own)).status_code == 200
    assert client.get(detail(other)).status_code == 404


@pytest.mark.django_db
def test_the_enterprise_sees_status_but_not_the_matching(login, demand):
    html = login(demand.enterprise.user).get(detail(demand)).content.decode()
    assert "已提交" in html
    assert "推荐专家" not in html and 'data-testid="assign-form"' not in html


@pytest.mark.django_db
def test_station_staff_see_a_demand_only_once_assigned_to_their_station(
    login, personas, demand, station, other_station, make_user
):
    from accounts.roles import Role

    client = login(personas["society"])
    assert client.get(detail(demand)).status_code == 404
    services.demand_transition(
        demand=demand, target=DemandStatus.ACCEPTED, actor=personas["admin"], station=station
    )
    assert client.get(detail(demand)).status_code == 200
    stranger = make_user(Role.SOCIETY_STAFF, society=other_station.society)
    assert login(stranger).get(detail(demand)).status_code == 404


@pytest.mark.django_db
def test_only_enterprises_may_submit(login, personas):
    response = login(personas["admin"]).get(reverse("network:demand_create"))
    assert response.status_code == 403
    assert "只有已注册的企业用户" in response.content.decode()


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_login(client, demand):
    response = client.get(detail(demand))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def demand_post(**files):
    return {
        "title": "新材料涂层耐磨性提升",
        "industry": "新材料",
        "field": "材料科学",
        "urgency": "urgent",
        "description": "需要提高涂层耐磨性。",
        **files,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("payload.exe", b"MZ\x90\x00", content_type="application/octet-stream"),
        SimpleUploadedFile("page.html", b"<script>alert(1)</script>", content_type="text/html"),
        SimpleUploadedFile(
            "fake.pdf", b"<script>alert(1)</script>", content_type="application/pdf"
        ),
    ],
    ids=["exe", "html", "html-named-pdf"],
)
def test_disallowed_upload_is_refused_in_chinese_and_keeps_the_form(login, enterprise, upload):
    client = login(enterprise.user)
    response = client.post(reverse("network:demand_create"), demand_post(attachments=upload))
    assert response.status_code == 200
    html = response.content.decode()
    assert "类型不符" in html and "只接受" in html
    assert 'value="新材料涂层耐磨性提升"' in html
    assert "需要提高涂层耐磨性。" in html
    assert not Demand.objects.exists()


@pytest.mark.django_db
def test_oversized_upload_is_refused(login, enterprise, settings):
    settings.NETWORK_MAX_ATTACHMENT_BYTES = 100
    upload = SimpleUploadedFile("big.pdf", PDF + b"0" * 200, content_type="application/pdf")
    response = login(enterprise.user).post(
        reverse("network:demand_create"), demand_post(attachments=upload)
    )
    assert "超过大小上限" in response.content.decode()
    assert not Demand.objects.exists()


@pytest.mark.django_db
def test_allowed_uploads_are_stored_under_generated_names_and_downloaded_as_attachments(
    login, enterprise, personas
):
    client = login(enterprise.user)
    files = [
        SimpleUploadedFile("需求说明.pdf", PDF, content_type="application/pdf"),
        SimpleUploadedFile("参数.docx", docx_bytes(), content_type="application/octet-stream"),
    ]
    response = client.post(reverse("network:demand_create"), demand_post(attachments=files))
    assert response.status_code == 302
    demand = Demand.objects.get()
    attachments = list(DemandAttachment.objects.filter(demand=demand).order_by("pk"))
    assert [a.original_name for a in attachments] == ["需求说明.pdf", "参数.docx"]
    stored = attachments[0].file.name
    assert stored.startswith(f"demands/{demand.pk}/") and "需求说明" not in stored
    assert not stored.endswith(".pdf")
    url = reverse("network:attachment_download", args=[demand.pk, attachments[0].pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PDF
    assert login(personas["hangzhou_admin"]).get(url).status_code == 404
    # An attachment id of another demand is not reachable through this demand.
    other = services.demand_submit(
        enterprise=enterprise,
        actor=enterprise.user,
        title="另一需求",
        description="x",
        industry="新材料",
        field="材料科学",
        urgency="normal",
    )
    client = login(enterprise.user)
    bad = reverse("network:attachment_download", args=[other.pk, attachments[0].pk])
    assert client.get(bad).status_code == 404
