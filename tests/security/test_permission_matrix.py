"""Every URL × every role × GET/POST, compared with the checked-in matrix.

The world (matrix_world.py) gives every path argument an object of society A in Shenyang.
Each request runs in a savepoint that is rolled back, so one role's POST never changes what
the next role sees. Beyond the recorded matrix, three rules hold for every URL:
no 500; outsiders (another society, another district's reviewer, another city's admin, an
unassigned expert) never read society A's objects; anonymous users reach only public pages.

After a deliberate change of access rules, regenerate and review the diff:
    UPDATE_PERMISSION_MATRIX=1 .venv/bin/pytest tests/security/test_permission_matrix.py
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security.matrix_world import OUTSIDERS, ROLES, build_world

MATRIX = Path(__file__).with_name("permission_matrix.json")
PUBLIC_PREFIXES = (
    "/public/",
    "/accounts/login/",
    # An invited expert opens the one-time link before having a password (404 without one).
    "/accounts/invitation/",
    "/network/register/",
    "/i18n/",
    "/admin/login/",
)
# Reads of society A's pages that are meant to be open to someone outside its scope.
ALLOWED_OUTSIDER_READS = {
    # A public notice (公示) is published to the whole city by definition.
    ("applications:notice", "society_b"),
    ("applications:notice", "county_other"),
    ("applications:notice", "expert_unassigned"),
    # County reviewers read the city's society and expert directories (accounts/scoping.py).
    ("stations:society_detail", "county_other"),
    ("stations:expert_detail", "county_other"),
}
OBJECT_KEYS = {"pk", "station_pk", "record_pk", "attachment_id", "attachment_pk", "entry_pk"}

pytestmark = pytest.mark.django_db


def url_patterns(patterns=None, namespace=""):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            inner = namespace + (f"{entry.namespace}:" if entry.namespace else "")
            yield from url_patterns(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield namespace + entry.name, entry


def object_for(name: str, w):
    """The object of society A whose pk stands in the URL `name`."""
    ns, _, view = name.partition(":")
    if ns == "stations":
        for key, obj in (("society", w.society), ("host_unit", w.host_unit), ("expert", w.expert)):
            if view.startswith(key):
                return obj
        return w.station
    table = {
        "accounts:inbox-read": w.notification,
        "policies:holiday_delete": w.holiday,
        "applications:call_apply": w.call,
        "applications:call_edit": w.call,
        "applications:ranking": w.call,
        "applications:notice": w.notice,
        "evaluations:round": w.round,
        "evaluations:round_close": w.round,
        "funding:station": w.station,
        "funding:change_request": w.station,
        "funding:change_decide": w.station,
        "funding:notice": w.disbursement,
        "public:station": w.station,
        "public:society": w.society,
        "reports:document": w.station,  # kind "certificate"
        "reports:job": w.export_job,
        "reports:job_progress": w.export_job,
        "reports:job_download": w.export_job,
        "reports:import_job": w.import_job,
        "reports:import_job_progress": w.import_job,
        "reports:import_job_confirm": w.import_job,
    }
    if name in table:
        return table[name]
    if name.startswith("accounts:security"):
        return w.target_user
    return {
        "applications": w.application,
        "evaluations": w.evaluation,
        "funding": w.grant,
        "network": w.demand,
    }.get(ns)


def admin_model(name: str):
    """The model an admin URL name is about (admin:<app>_<model>_<view>), or None."""
    for model in apps.get_models():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(prefix):
            return model
    return None


def admin_kwargs(name: str, pattern: URLPattern, w) -> dict:
    kwargs = {}
    model = admin_model(name)
    first = model._default_manager.order_by("pk").first() if model else None
    for key in pattern.pattern.regex.groupindex:
        if key == "app_label":
            kwargs[key] = "stations"
        elif key in {"object_id", "object_pk", "pk", "id"}:
            kwargs[key] = str(first.pk) if first else "0"
        elif key == "user_id":
            kwargs[key] = w.target_user.pk
        elif key == "group_id":
            kwargs[key] = 0
        elif key == "content_type_id":
            from django.contrib.contenttypes.models import ContentType

            kwargs.update(
                content_type_id=ContentType.objects.get_for_model(w.station).pk,
                object_id=str(w.station.pk),
            )
        elif key == "url":
            kwargs[key] = "x"
    return kwargs


def path_kwargs(name: str, pattern: URLPattern, w) -> dict:
    keys = set(pattern.pattern.regex.groupindex)
    if name.startswith("admin:"):
        return admin_kwargs(name, pattern, w)
    kwargs = {}
    if "pk" in keys:
        obj = object_for(name, w)
        assert obj is not None, f"permission matrix: no object for {name}; add it to object_for()"
        kwargs["pk"] = obj.pk
    special = {
        "station_pk": w.station.pk,
        "record_pk": w.record.pk,
        "city_code": "shenyang",
        "code": "shenyang",
        "change_pk": 0,  # no change request in the world: a visible station answers 404
        "assignment_id": 0,  # no panel in the world: the panel's own checks answer first
        "token": "not-a-token",  # an unknown invitation link: 404 for everyone
    }
    for key in keys & special.keys():
        kwargs[key] = special[key]
    if name == "stations:activity_edit":
        kwargs["pk"] = w.record.pk
    if name == "stations:evidence_download":
        kwargs["pk"] = w.evidence.pk
    if "attachment_id" in keys or "attachment_pk" in keys:
        attachment = {
            "applications": w.attachment,
            "evaluations": w.evaluation_attachment,
            "network": w.demand_attachment,
        }[name.split(":")[0]]
        kwargs["attachment_id" if "attachment_id" in keys else "attachment_pk"] = attachment.pk
    if "kind" in keys:
        kwargs["kind"] = {
            "reports:document": "certificate",
            "funding:entry_edit": "budget",
            "funding:entry_delete": "budget",
        }.get(name, "stations" if name == "reports:list_export" else "societies")
    if "entry_pk" in keys:
        kwargs["entry_pk"] = w.budget_line.pk
    if "key" in keys:
        kwargs["key"] = "applications"
    missing = keys - kwargs.keys()
    assert not missing, f"permission matrix: no value for {missing} in {name}"
    return kwargs


def url_for(name: str, pattern: URLPattern, w) -> str:
    regex = pattern.pattern.regex
    positional = regex.groups - len(regex.groupindex)
    if positional:
        # django-simple-history's admin: <object id>/history/<history id>/
        model = admin_model(name)
        first = model._default_manager.order_by("pk").first() if model else None
        history = first.history.order_by("history_id").first() if first is not None else None
        args = [first.pk if first else 0, history.history_id if history else 0][:positional]
        return reverse(name, args=args)
    return reverse(name, kwargs=path_kwargs(name, pattern, w))


def is_object_url(name: str, pattern: URLPattern) -> bool:
    """A page about one of society A's objects (public pages and the admin are judged apart)."""
    if name.startswith(("public:", "admin:")):
        return False
    return bool(OBJECT_KEYS & set(pattern.pattern.regex.groupindex))


def probe(client: Client, method: str, url: str) -> int:
    # Roll back what the request wrote, and keep the login cookie it may have replaced
    # (logout, password change): the next probe must see the same user and the same world.
    cookies = copy.deepcopy(client.cookies)
    with transaction.atomic():
        response = client.get(url) if method == "GET" else client.post(url, {})
        transaction.set_rollback(True)
    client.cookies = cookies
    return response.status_code


def observed_matrix(w) -> dict:
    clients = {"anonymous": Client()}
    for role in ROLES[1:]:
        clients[role] = Client()
        clients[role].force_login(w.users[role])
    matrix = {}
    for name, pattern in sorted(url_patterns(), key=lambda item: item[0]):
        url = url_for(name, pattern, w)
        matrix[name] = {
            role: [probe(clients[role], "GET", url), probe(clients[role], "POST", url)]
            for role in ROLES
        }
    return matrix


@pytest.fixture
def world(db):
    from decimal import Decimal

    from funding import services as funding

    w = build_world()
    w.budget_line = funding.budget_line_add(
        grant=w.grant,
        category="expert_travel",
        content="专家差旅",
        amount=Decimal("1000"),
        actor=w.users["superuser"],
    )
    return w


def test_every_url_and_role_matches_the_checked_in_matrix(world):
    observed = observed_matrix(world)

    server_errors = [
        f"{name} {role} {method}"
        for name, row in observed.items()
        for role, codes in row.items()
        for method, code in zip(("GET", "POST"), codes, strict=True)
        if code >= 500
    ]
    assert server_errors == []

    patterns = dict(url_patterns())
    leaks = [
        f"{name} {role}"
        for name, row in observed.items()
        if is_object_url(name, patterns[name])
        for role in OUTSIDERS
        if row[role][0] == 200 and (name, role) not in ALLOWED_OUTSIDER_READS
    ]
    assert leaks == [], f"outsiders read society A's objects: {leaks}"

    anonymous_pages = [
        name
        for name, row in observed.items()
        if row["anonymous"][0] == 200
        and not reverse(
            name, kwargs=path_kwargs(name, dict(url_patterns())[name], world)
        ).startswith(PUBLIC_PREFIXES)
    ]
    assert anonymous_pages == [], "anonymous users reached non-public pages"

    if os.environ.get("UPDATE_PERMISSION_MATRIX"):
        MATRIX.write_text(json.dumps(observed, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    expected = json.loads(MATRIX.read_text())
    missing = sorted(set(observed) - set(expected))
    assert missing == [], f"URLs missing from {MATRIX.name}: {missing}"
    stale = sorted(set(expected) - set(observed))
    assert stale == [], f"URLs in {MATRIX.name} that no longer exist: {stale}"
    differences = {
        f"{name} {role}": {"expected": expected[name][role], "observed": observed[name][role]}
        for name in observed
        for role in ROLES
        if observed[name][role] != expected[name].get(role)
    }
    assert differences == {}
