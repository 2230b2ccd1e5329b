"""django-import-export resources for the stations models, keyed by natural keys.

Rows name their city by its code (`City.code`, as `stations.reference` lists them); related
rows are looked up by name inside that city: society by city + name, host unit by city + credit code, expert by city + name
(+ employer), station by city + name, district by city + name. A user who is not a platform
administrator may import only rows of their own city.
"""

from __future__ import annotations

from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from accounts.resources import CityScopedForeignKeyWidget  # noqa: F401  (used below, re-exported)
from accounts.services import audit

from .models import (
    ActivityEvidence,
    ActivityRecord,
    City,
    CreditFlag,
    District,
    Expert,
    HostUnit,
    Society,
    SocietyInspection,
    Station,
    StationExpert,
    StationStaff,
    StationStatusChange,
)


def city_field() -> fields.Field:
    return fields.Field(attribute="city", column_name="city", widget=ForeignKeyWidget(City, "code"))


class CityScopedResource(resources.ModelResource):
    """Refuse rows of another city for non-platform users; audit each real import."""

    city_column = "city"

    def before_import(self, dataset, **kwargs):
        self._importing_user = kwargs.get("user")
        super().before_import(dataset, **kwargs)

    def before_import_row(self, row, **kwargs):
        user = getattr(self, "_importing_user", None) or kwargs.get("user")
        if user is not None and not user.is_platform_admin:
            allowed = user.city.code if user.city_id else None
            if row.get(self.city_column) != allowed:
                raise ValueError("只能导入本市的数据（city 列须为 %s）。" % (allowed or "—"))
        super().before_import_row(row, **kwargs)

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if not kwargs.get("dry_run") and not result.has_errors():
            user = kwargs.get("user")
            audit(
                event=f"{self._meta.model._meta.model_name}.imported",
                user=user,
                detail={"totals": {k: v for k, v in result.totals.items()}},
            )


class CityResource(resources.ModelResource):
    class Meta:
        model = City
        import_id_fields = ("code",)
        fields = ("code", "name", "province", "policy_code")
        skip_unchanged = True


class DistrictResource(CityScopedResource):
    city = city_field()

    class Meta:
        model = District
        import_id_fields = ("city", "name")
        fields = ("city", "name")
        skip_unchanged = True


class SocietyResource(CityScopedResource):
    city = city_field()
    parent = fields.Field(
        attribute="parent", column_name="parent", widget=CityScopedForeignKeyWidget(Society)
    )

    class Meta:
        model = Society
        import_id_fields = ("city", "name")
        exclude = ("id", "created_at", "updated_at")
        skip_unchanged = True


class SocietyInspectionResource(CityScopedResource):
    society = fields.Field(
        attribute="society", column_name="society", widget=CityScopedForeignKeyWidget(Society)
    )
    city = fields.Field(attribute="society__city__code", column_name="city", readonly=True)

    class Meta:
        model = SocietyInspection
        import_id_fields = ("society", "year")
        fields = ("city", "society", "year", "result")
        skip_unchanged = True


class HostUnitResource(CityScopedResource):
    city = city_field()
    district = fields.Field(
        attribute="district", column_name="district", widget=CityScopedForeignKeyWidget(District)
    )

    class Meta:
        model = HostUnit
        import_id_fields = ("city", "credit_code")
        exclude = ("id", "created_at", "updated_at")
        skip_unchanged = True


class ExpertResource(CityScopedResource):
    city = city_field()
    society = fields.Field(
        attribute="society", column_name="society", widget=CityScopedForeignKeyWidget(Society)
    )

    class Meta:
        model = Expert
        import_id_fields = ("city", "name", "employer")
        exclude = ("id", "created_at", "updated_at")
        skip_unchanged = True


class CreditFlagResource(CityScopedResource):
    city = fields.Field(column_name="city", readonly=True)
    society = fields.Field(
        attribute="society", column_name="society", widget=CityScopedForeignKeyWidget(Society)
    )
    host_unit = fields.Field(
        attribute="host_unit",
        column_name="host_unit_credit_code",
        widget=CityScopedForeignKeyWidget(HostUnit, "credit_code"),
    )
    expert = fields.Field(
        attribute="expert",
        column_name="expert",
        widget=CityScopedForeignKeyWidget(Expert, extra={"employer": "expert_employer"}),
    )

    class Meta:
        model = CreditFlag
        fields = (
            "id",
            "city",
            "kind",
            "party",
            "society",
            "host_unit",
            "expert",
            "source",
            "recorded_on",
            "lifted_on",
            "note",
        )

    def dehydrate_city(self, flag):
        subject = flag.society or flag.host_unit or flag.expert
        return subject.city.code if subject else ""


class StationResource(CityScopedResource):
    city = city_field()
    district = fields.Field(
        attribute="district", column_name="district", widget=CityScopedForeignKeyWidget(District)
    )
    society = fields.Field(
        attribute="society", column_name="society", widget=CityScopedForeignKeyWidget(Society)
    )
    host_unit = fields.Field(
        attribute="host_unit",
        column_name="host_unit_credit_code",
        widget=CityScopedForeignKeyWidget(HostUnit, "credit_code"),
    )

    class Meta:
        model = Station
        import_id_fields = ("city", "name")
        exclude = ("id", "created_at", "updated_at", "experts")
        skip_unchanged = True


def station_field(attribute="station") -> fields.Field:
    return fields.Field(
        attribute=attribute,
        column_name="station",
        widget=CityScopedForeignKeyWidget(Station),
    )


class StationChildResource(CityScopedResource):
    """Rows hanging off a station: the `city` column is the station's city."""

    city = fields.Field(attribute="station__city__code", column_name="city", readonly=True)
    station = station_field()


class StationStatusChangeResource(StationChildResource):
    class Meta:
        model = StationStatusChange
        fields = (
            "id",
            "city",
            "station",
            "from_status",
            "to_status",
            "changed_at",
            "reason",
            "clause",
        )


class StationExpertResource(StationChildResource):
    expert = fields.Field(
        attribute="expert",
        column_name="expert",
        widget=CityScopedForeignKeyWidget(Expert, extra={"employer": "expert_employer"}),
    )
    expert_employer = fields.Field(
        attribute="expert__employer", column_name="expert_employer", readonly=True
    )

    class Meta:
        model = StationExpert
        import_id_fields = ("station", "expert", "joined_on")
        fields = ("city", "station", "expert", "expert_employer", "role", "joined_on", "left_on")
        skip_unchanged = True


class StationStaffResource(StationChildResource):
    class Meta:
        model = StationStaff
        import_id_fields = ("station", "name")
        fields = ("city", "station", "name", "position", "mobile")
        skip_unchanged = True


class ActivityRecordResource(StationChildResource):
    class Meta:
        model = ActivityRecord
        fields = (
            "id",
            "city",
            "station",
            "kind",
            "date",
            "title",
            "description",
            "quantity",
            "trainees",
        )


class ActivityEvidenceResource(resources.ModelResource):
    """Export only: the files themselves are uploaded through the activity pages."""

    station = fields.Field(attribute="record__station__name", column_name="station", readonly=True)
    record = fields.Field(attribute="record__title", column_name="record", readonly=True)

    class Meta:
        model = ActivityEvidence
        fields = ("id", "station", "record", "original_name", "content_type", "size", "uploaded_at")
