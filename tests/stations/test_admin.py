"""Django admin: every model registered, import-export by natural keys, rows scoped."""

import pytest
import tablib
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.roles import Role
from accounts.services import audit
from stations.models import HostUnit, Society, Station
from stations.resources import HostUnitResource, SocietyResource, StationResource
from tests.factories import StationFactory

pytestmark = pytest.mark.django_db


def test_every_stations_and_accounts_model_is_registered():
    for app_label in ("stations", "accounts"):
        for model in apps.get_app_config(app_label).get_models():
            if model.__name__.startswith("Historical"):
                continue  # simple_history's shadow tables are reached from each object's history
            assert admin.site.is_registered(model), model.__name__


def test_superuser_opens_every_changelist_and_add_form(personas, station, login):
    client = login(personas["super"])
    audit(event="test.event", user=personas["super"], obj=station)
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in ("stations", "accounts"):
            continue
        info = (model._meta.app_label, model._meta.model_name)
        assert client.get(reverse("admin:{}_{}_changelist".format(*info))).status_code == 200, info
        if model_admin.has_add_permission(_request(personas["super"])):
            assert client.get(reverse("admin:{}_{}_add".format(*info))).status_code == 200, info


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request


@pytest.fixture
def staff_admin(make_user, hangzhou):
    user = make_user(Role.CITY_ADMIN, city=hangzhou, is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="stations", codename__in=["view_station", "change_station"]
        )
    )
    return user


def test_city_admin_admin_changelist_is_city_scoped(staff_admin, station, hangzhou, login):
    hz = StationFactory(city=hangzhou)
    client = login(staff_admin)
    response = client.get(reverse("admin:stations_station_changelist"))
    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert hz in shown and station not in shown
    change = client.get(reverse("admin:stations_station_change", args=[station.pk]))
    assert change.status_code == 302  # "does not exist" for another city's row


def test_admin_foreign_key_choices_are_city_scoped(staff_admin, station, hangzhou, login):
    hz = StationFactory(city=hangzhou)
    client = login(staff_admin)
    form = (
        client.get(reverse("admin:stations_station_change", args=[hz.pk])).context["adminform"].form
    )
    assert station.society not in form.fields["society"].queryset
    assert hz.society in form.fields["society"].queryset


def test_audit_log_is_read_only_in_admin(personas):
    model_admin = admin.site._registry[AuditEvent]
    request = _request(personas["super"])
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_admin_edit_goes_through_the_service_and_is_audited(personas, station, login):
    client = login(personas["super"])
    url = reverse("admin:stations_society_change", args=[station.society_id])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data.update({"legal_rep": "管理后台修改"})
    for prefix in ("inspections", "credit_flags"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Society.objects.get(pk=station.society_id).legal_rep == "管理后台修改"
    assert AuditEvent.objects.filter(event="society.updated").exists()


class TestResources:
    def test_station_export_uses_natural_keys(self, station):
        dataset = StationResource().export(Station.objects.filter(pk=station.pk))
        row = dict(zip(dataset.headers, dataset[0], strict=True))
        assert row["city"] == "shenyang"
        assert row["society"] == station.society.name
        assert row["host_unit_credit_code"] == station.host_unit.credit_code

    def test_reimport_of_an_export_updates_in_place(self, station):
        dataset = StationResource().export(Station.objects.all())
        result = StationResource().import_data(dataset, dry_run=False)
        assert not result.has_errors() and not result.has_validation_errors()
        assert Station.objects.count() == 1

    def test_society_import_by_city_and_name(self, station):
        dataset = tablib.Dataset(
            ["shenyang", station.society.name, "national", "改名后的专业", "cast", "5A"],
            ["hangzhou", "杭州新学会", "city", "信息技术", "city_cast", ""],
            headers=["city", "name", "level", "discipline", "supervising_cast", "rating"],
        )
        result = SocietyResource().import_data(dataset, dry_run=False)
        assert not result.has_errors() and not result.has_validation_errors()
        station.society.refresh_from_db()
        assert station.society.discipline == "改名后的专业"
        assert Society.objects.get(name="杭州新学会").city.code == "hangzhou"

    def test_non_platform_user_cannot_import_another_city(self, personas, station):
        dataset = HostUnitResource().export(HostUnit.objects.filter(pk=station.host_unit_id))
        result = HostUnitResource().import_data(
            dataset, dry_run=True, user=personas["hangzhou_admin"]
        )
        assert result.has_errors()
        ok = HostUnitResource().import_data(dataset, dry_run=True, user=personas["admin"])
        assert not ok.has_errors()
