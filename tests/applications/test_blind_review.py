"""Blind review holds in every view, export and document an expert can reach (issue 13).

Every GET URL of the site is requested as the assigned expert with its path arguments pointing
at the blind application (and its attachment); each answer — HTML, the Excel export read back
with openpyxl, a PDF's text, the download's file name — must not name the applicant."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from pypdf import PdfReader

from applications import services
from policies import selectors as policy_selectors
from policies import services as policy_services
from reports.exports import export_kinds

pytestmark = pytest.mark.django_db


def patterns(resolver=None, namespace=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace + (f"{entry.namespace}:" if entry.namespace else "")
            yield from patterns(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield namespace + entry.name, entry


def text_of(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    parts = [response.get("Content-Disposition", "")]
    if "spreadsheetml" in kind:
        book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                parts.extend(str(v) for v in row if v is not None)
    elif "pdf" in kind and not response.get("Content-Disposition", "").startswith("attachment"):
        parts.extend(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)
    else:  # pages, and uploaded files as stored
        parts.append(body.decode("utf-8", "replace"))
    return "\n".join(parts)


@pytest.fixture
def blind_world(world):
    version = policy_selectors.policy_version_for(world.city)
    policy_services.policy_version_create(
        city=world.city,
        params={**version.params, "blind_review": True},
        effective_from=dt.date(2020, 1, 1),
        note="启用盲评",
        actor=world.admin,
    )
    app = world.submitted(station=world.station)
    world.act(app, "approve")  # into expert review
    services.assignment_create(application=app, expert=world.experts[0], actor=world.admin)
    attachment = app.attachments.first()
    assert attachment is not None
    # A file name that names the applicant, as real uploads do.
    type(attachment).objects.filter(pk=attachment.pk).update(
        original_name=f"{world.society.name}申报材料.pdf"
    )
    return world, app, attachment


def urls_for(app, attachment):
    args = {
        "pk": app.pk,
        "attachment_id": attachment.pk,
        "attachment_pk": attachment.pk,
    }
    for name, pattern in patterns():
        regex = pattern.pattern.regex
        keys = set(regex.groupindex)
        if name.startswith("admin:") or regex.groups != len(keys):
            continue  # the admin needs staff; unnamed groups take no keyword
        if name == "reports:list_export":
            for kind, _title in export_kinds():
                yield name, reverse(name, kwargs={"kind": kind}) + "?download=1"
            yield name, reverse(name, kwargs={"kind": "applications"}) + f"?q={app.society.name}"
            continue
        if not keys <= set(args):
            continue
        yield name, reverse(name, kwargs={k: args[k] for k in keys})


def test_nothing_an_expert_reaches_names_the_applicant(blind_world, client):
    world, app, attachment = blind_world
    expert = world.expert_users[0]
    client.force_login(expert)
    secrets = [app.title, world.society.name, world.host.name, world.staff.full_name]
    reached = []
    for name, url in urls_for(app, attachment):
        if name.startswith("admin:"):
            continue
        response = client.get(url)
        if response.status_code != 200:
            continue
        reached.append(name)
        text = text_of(response)
        for secret in secrets:
            assert secret not in text, (url, secret)
    # The probe really reached the expert's pages, the export and the attachment.
    for must in (
        "applications:detail",
        "applications:score",
        "applications:inbox",
        "applications:attachment",
        "reports:list_export",
    ):
        assert must in reached, must


def test_the_export_keeps_the_application_for_the_expert_by_number(blind_world, client):
    world, app, _attachment = blind_world
    client.force_login(world.expert_users[0])
    response = client.get(
        reverse("reports:list_export", kwargs={"kind": "applications"}) + "?download=1"
    )
    assert response.status_code == 200
    text = text_of(response)
    assert f"申报 #{app.pk}（盲评）" in text
    # The administrator's export still names everyone.
    client.force_login(world.admin)
    response = client.get(
        reverse("reports:list_export", kwargs={"kind": "applications"}) + "?download=1"
    )
    assert world.society.name in text_of(response)


def test_a_keyword_search_cannot_probe_whose_application_it_is(blind_world, client):
    world, app, _attachment = blind_world
    client.force_login(world.expert_users[0])
    base = reverse("reports:list_export", kwargs={"kind": "applications"})
    hit = client.get(base + f"?q={world.society.name}").content.decode()
    miss = client.get(base + "?q=不存在的学会名称").content.decode()
    count = re.compile(r'data-testid="export-count">(\d+)<')
    assert count.search(hit).group(1) == count.search(miss).group(1) == "1"
