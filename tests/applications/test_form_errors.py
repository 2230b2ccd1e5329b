"""Forms say what is wrong where: required marks, errors by the field, a linked summary."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _post(client, world, app, **data):
    client.force_login(world.staff)
    payload = {**world.form_data(), "version": app.version, **data}
    return client.post(reverse("applications:edit", args=[app.pk]), payload)


def test_refused_submission_marks_each_missing_field_and_links_it_from_the_summary(world, client):
    app = world.draft()
    html = _post(client, world, app, outcomes="", summary="", submit="1").content.decode()
    app.refresh_from_db()
    assert app.stage == "draft"
    summary = html[
        html.index("data-error-summary") : html.index("</ul>", html.index("data-error-summary"))
    ]
    assert 'href="#id_outcomes"' in summary and 'href="#id_summary"' in summary
    assert 'href="#id_title"' not in summary  # only what is wrong
    # The error sits under its own field, which says it is invalid.
    assert re.search(
        r'id="id_outcomes"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="id_outcomes"', html
    )
    assert 'id="id_outcomes_error"' in html
    assert "独特" not in html  # nothing invented
    # Everything typed is kept.
    assert world.form_data()["entrusting_body"] in html


def test_a_draft_marks_required_fields_without_complaining(world, client):
    app = world.draft()
    response = _post(client, world, app, outcomes="", save="1")
    assert response.status_code == 302  # a draft saves with fields still empty
    follow = client.get(reverse("applications:edit", args=[app.pk])).content.decode()
    assert "data-error-summary" not in follow
    label = re.search(r'<label[^>]*for="id_outcomes"[^>]*>(.*?)</label>', follow, re.S).group(1)
    assert 'class="required-mark"' in label and "（必填）" in label
    fax = re.search(r'<label[^>]*for="id_fax"[^>]*>(.*?)</label>', follow, re.S)
    assert fax is None or "required-mark" not in fax.group(1)
