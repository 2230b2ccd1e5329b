"""Each application and station page links its official documents (reports.documents), only
those that exist, for those who may open them."""

import pytest
from django.urls import reverse

from tests.applications.cities import AFTER_NOTICE, Yiyang

pytestmark = pytest.mark.django_db


def _certified_yiyang():
    w = Yiyang()
    applicant = w.new_applicant(nature="county_cast")
    app = w.to_talent_approval(w.submitted(applicant))
    w.act(app, "approve", w.talent)
    w.notice([app])
    w.act(app, "approve", today=AFTER_NOTICE)
    assert app.outcome == "certified"
    return w, app, applicant


def test_a_certified_application_and_its_station_link_their_documents(client):
    w, app, applicant = _certified_yiyang()
    client.force_login(w.admin)
    page = client.get(reverse("applications:detail", args=[app.pk])).content.decode()
    certificate = reverse("reports:document", args=["certificate", app.station_id])
    assert 'data-testid="official-documents"' in page
    assert certificate in page
    assert reverse("reports:document", args=["application_form", app.pk]) in page
    notice = app.notices.get()
    assert reverse("reports:document", args=["public_notice", notice.pk]) in page
    station_page = client.get(reverse("stations:station_detail", args=[app.station_id]))
    assert certificate in station_page.content.decode()
    response = client.get(certificate)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_no_certificate_link_before_certification_and_none_for_experts(client):
    w = Yiyang()
    applicant = w.new_applicant(nature="county_cast")
    app = w.submitted(applicant)
    client.force_login(w.admin)
    page = client.get(reverse("applications:detail", args=[app.pk])).content.decode()
    assert "document-certificate" not in page and "document-public_notice" not in page
    assert "document-application_form" in page  # 益阳's 申报书 has a printed form
    expert_user = w.expert_users[0]
    from applications.models import ExpertAssignment

    ExpertAssignment.objects.create(
        application=app, expert=w.experts[0], stage=app.stage, assigned_by=w.admin
    )
    client.force_login(expert_user)
    page = client.get(reverse("applications:detail", args=[app.pk])).content.decode()
    assert 'data-testid="official-documents"' not in page
