"""Django admin for the stations app: every model, import/export, rows scoped per user.

Non-superusers see only what accounts.scoping lets them see (child rows through their
parent), and foreign-key choices are scoped the same way, so a city administrator can
neither read nor attach another city's rows. Saves of the main objects go through
stations.services, so admin edits are audited like page edits; a station's status is
read-only here and changes only through station_set_status.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin_formats import SafeExportMixin
from accounts.scoping import scope_queryset

from . import resources, services
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


def _unrestricted(user) -> bool:
    return user.is_superuser or getattr(user, "is_platform_admin", False)


def visible(user, model) -> QuerySet:
    """Return the rows of `model` the admin user may see (scoped by city, role and grants)."""
    qs = model._default_manager.all()
    if _unrestricted(user):
        return qs
    if model is City:
        return qs.filter(pk=user.city_id)
    if model is District:
        return qs.filter(city_id=user.city_id)
    if model in (Station,):
        return scope_queryset(user, qs, perm="stations.view_station")
    if model in (Society, HostUnit, Expert, ActivityRecord):
        return scope_queryset(user, qs)
    if model is SocietyInspection:
        return qs.filter(society__in=visible(user, Society))
    if model in (StationStatusChange, StationExpert, StationStaff):
        return qs.filter(station__in=visible(user, Station))
    if model is ActivityEvidence:
        return qs.filter(record__station__in=visible(user, Station))
    if model is CreditFlag:
        return qs.filter(
            Q(society__in=visible(user, Society))
            | Q(host_unit__in=visible(user, HostUnit))
            | Q(expert__in=visible(user, Expert))
        )
    return qs.none()


class ScopedAdmin(SafeExportMixin, ImportExportModelAdmin):
    """Scope the changelist, the change form and the foreign-key choices to the user."""

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if _unrestricted(request.user):
            return qs
        return qs.filter(pk__in=visible(request.user, self.model).values("pk"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if related in SCOPED_MODELS and not _unrestricted(request.user):
            kwargs["queryset"] = visible(request.user, related)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedInline(admin.TabularInline):
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if related in SCOPED_MODELS and not _unrestricted(request.user):
            kwargs["queryset"] = visible(request.user, related)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ServiceSaveMixin:
    """Save through the stations services (full_clean + audit) instead of obj.save()."""

    create_service = None
    update_service = None
    update_kwarg = ""
    protected_fields: tuple[str, ...] = ("city",)

    def _service_data(self, form, *, creating: bool) -> dict:
        model_fields = {
            f.name for f in self.model._meta.concrete_fields if f.editable and not f.primary_key
        }
        skip = set() if creating else set(self.protected_fields)
        return {k: v for k, v in form.cleaned_data.items() if k in model_fields and k not in skip}

    def save_model(self, request, obj, form, change):
        if change:
            type(self).update_service(
                **{self.update_kwarg: obj},
                actor=request.user,
                data=self._service_data(form, creating=False),
            )
            obj.refresh_from_db()
        else:
            created = type(self).create_service(
                actor=request.user, data=self._service_data(form, creating=True)
            )
            # The admin keeps working with `obj` (inlines, log entry, redirect).
            obj.pk = created.pk
            obj._state.adding = False
            obj._state.db = created._state.db


@admin.register(City)
class CityAdmin(ScopedAdmin):
    resource_classes = [resources.CityResource]
    list_display = ("name", "code", "province", "policy_code")

    def has_add_permission(self, request):
        return _unrestricted(request.user)

    def has_delete_permission(self, request, obj=None):
        return _unrestricted(request.user)


@admin.register(District)
class DistrictAdmin(ScopedAdmin):
    resource_classes = [resources.DistrictResource]
    list_display = ("name", "city")
    list_filter = ("city",)
    search_fields = ("name",)
    list_select_related = ("city",)


class SocietyInspectionInline(ScopedInline):
    model = SocietyInspection


class CreditFlagSocietyInline(ScopedInline):
    model = CreditFlag
    fk_name = "society"
    fields = ("kind", "party", "source", "recorded_on", "lifted_on", "note")


@admin.register(Society)
class SocietyAdmin(ServiceSaveMixin, SimpleHistoryAdmin, ScopedAdmin):
    resource_classes = [resources.SocietyResource]
    create_service = staticmethod(services.society_create)
    update_service = staticmethod(services.society_update)
    update_kwarg = "society"
    list_display = ("name", "city", "level", "discipline", "supervising_cast", "rating")
    list_filter = ("city", "level", "supervising_cast", "rating")
    search_fields = ("name", "discipline", "legal_rep")
    list_select_related = ("city",)
    autocomplete_fields = ("parent",)
    inlines = [SocietyInspectionInline, CreditFlagSocietyInline]


@admin.register(SocietyInspection)
class SocietyInspectionAdmin(ScopedAdmin):
    resource_classes = [resources.SocietyInspectionResource]
    list_display = ("society", "year", "result")
    list_filter = ("year", "result", "society__city")
    search_fields = ("society__name",)
    list_select_related = ("society",)


class CreditFlagHostInline(CreditFlagSocietyInline):
    fk_name = "host_unit"


@admin.register(HostUnit)
class HostUnitAdmin(ServiceSaveMixin, SimpleHistoryAdmin, ScopedAdmin):
    resource_classes = [resources.HostUnitResource]
    create_service = staticmethod(services.host_unit_create)
    update_service = staticmethod(services.host_unit_update)
    update_kwarg = "host_unit"
    list_display = ("name", "city", "district", "nature", "credit_code", "legal_rep")
    list_filter = ("city", "nature")
    search_fields = ("name", "credit_code", "legal_rep")
    list_select_related = ("city", "district__city")
    inlines = [CreditFlagHostInline]


class CreditFlagExpertInline(CreditFlagSocietyInline):
    fk_name = "expert"


@admin.register(Expert)
class ExpertAdmin(ServiceSaveMixin, SimpleHistoryAdmin, ScopedAdmin):
    resource_classes = [resources.ExpertResource]
    create_service = staticmethod(services.expert_create)
    update_service = staticmethod(services.expert_update)
    update_kwarg = "expert"
    list_display = ("name", "title", "field", "employer", "province", "city", "is_reviewer")
    list_filter = ("city", "is_reviewer")
    search_fields = ("name", "employer", "field")
    list_select_related = ("city",)
    autocomplete_fields = ("society",)
    inlines = [CreditFlagExpertInline]


@admin.register(CreditFlag)
class CreditFlagAdmin(ScopedAdmin):
    resource_classes = [resources.CreditFlagResource]
    list_display = ("__str__", "kind", "party", "source", "recorded_on", "lifted_on")
    list_filter = ("kind", "party")
    list_select_related = ("society", "host_unit", "expert")
    autocomplete_fields = ("society", "host_unit", "expert")


class StationExpertInline(ScopedInline):
    model = StationExpert
    autocomplete_fields = ("expert",)


class StationStaffInline(ScopedInline):
    model = StationStaff


class StationStatusChangeInline(admin.TabularInline):
    model = StationStatusChange
    extra = 0
    can_delete = False
    readonly_fields = ("from_status", "to_status", "changed_at", "changed_by", "reason", "clause")

    def has_add_permission(self, request, obj=None):
        return False


class StationAdminForm(forms.ModelForm):
    class Meta:
        model = Station
        fields = "__all__"  # noqa: DJ007 (ModelAdmin passes the real field list)

    def clean(self):
        cleaned = super().clean()
        probe = Station(
            city_id=(cleaned["city"].pk if cleaned.get("city") else self.instance.city_id),
            society=cleaned.get("society"),
            host_unit=cleaned.get("host_unit"),
            district=cleaned.get("district"),
            term_start=cleaned.get("term_start"),
            term_end=cleaned.get("term_end"),
        )
        if probe.city_id is not None:
            try:
                services.check_station(probe)
            except ValidationError as exc:
                for field, errors in exc.error_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
        return cleaned


@admin.register(Station)
class StationAdmin(ServiceSaveMixin, SimpleHistoryAdmin, ScopedAdmin):
    resource_classes = [resources.StationResource]
    create_service = staticmethod(services.station_create)
    update_service = staticmethod(services.station_update)
    update_kwarg = "station"
    protected_fields = ("city", "status")
    list_display = (
        "name",
        "city",
        "district",
        "society",
        "host_unit",
        "level",
        "program",
        "status",
    )
    list_filter = ("city", "status", "level", "program")
    search_fields = ("name", "society__name", "host_unit__name", "certificate_no")
    list_select_related = ("city", "district__city", "society", "host_unit")
    form = StationAdminForm
    autocomplete_fields = ("society", "host_unit")

    def get_readonly_fields(self, request, obj=None):
        # The status moves only through station_set_status; a station never changes city.
        return ("status", "city") if obj else ("status",)

    inlines = [StationStaffInline, StationExpertInline, StationStatusChangeInline]


@admin.register(StationStatusChange)
class StationStatusChangeAdmin(ScopedAdmin):
    """The history is written by station_set_status only."""

    resource_classes = [resources.StationStatusChangeResource]
    list_display = ("station", "from_status", "to_status", "changed_at", "changed_by", "clause")
    list_filter = ("to_status", "station__city")
    search_fields = ("station__name", "reason")
    list_select_related = ("station", "changed_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_import_permission(self, request):
        return False


@admin.register(StationExpert)
class StationExpertAdmin(ScopedAdmin):
    resource_classes = [resources.StationExpertResource]
    list_display = ("station", "expert", "role", "joined_on", "left_on")
    list_filter = ("role", "station__city")
    search_fields = ("station__name", "expert__name")
    list_select_related = ("station", "expert")
    autocomplete_fields = ("station", "expert")


@admin.register(StationStaff)
class StationStaffAdmin(ScopedAdmin):
    resource_classes = [resources.StationStaffResource]
    list_display = ("name", "position", "mobile", "station")
    search_fields = ("name", "station__name")
    list_select_related = ("station",)
    autocomplete_fields = ("station",)


class ActivityEvidenceInline(admin.TabularInline):
    model = ActivityEvidence
    extra = 0
    readonly_fields = ("original_name", "content_type", "size", "uploaded_by", "uploaded_at")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ActivityRecord)
class ActivityRecordAdmin(ScopedAdmin):
    resource_classes = [resources.ActivityRecordResource]
    list_display = ("date", "kind", "title", "quantity", "trainees", "station")
    list_filter = ("kind", "station__city")
    search_fields = ("title", "station__name")
    date_hierarchy = "date"
    list_select_related = ("station",)
    autocomplete_fields = ("station",)
    readonly_fields = ("created_by",)
    inlines = [ActivityEvidenceInline]

    def save_model(self, request, obj, form, change):
        data = {
            k: v
            for k, v in form.cleaned_data.items()
            if k in {"kind", "date", "title", "description", "quantity", "trainees"}
        }
        if change:
            services.activity_record_update(record=obj, actor=request.user, data=data)
            obj.refresh_from_db()
        else:
            created = services.activity_record_create(
                station=form.cleaned_data["station"], actor=request.user, data=data
            )
            obj.pk = created.pk
            obj._state.adding = False
            obj._state.db = created._state.db


@admin.register(ActivityEvidence)
class ActivityEvidenceAdmin(ScopedAdmin):
    """Read-only listing; files are uploaded and downloaded through the activity pages."""

    resource_classes = [resources.ActivityEvidenceResource]
    list_display = ("original_name", "record", "content_type", "size", "uploaded_at")
    list_select_related = ("record",)
    readonly_fields = (
        "record",
        "original_name",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
    )
    exclude = ("file",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_import_permission(self, request):
        return False


SCOPED_MODELS = frozenset(
    {
        City,
        District,
        Society,
        HostUnit,
        Expert,
        Station,
        ActivityRecord,
        SocietyInspection,
        StationStatusChange,
        StationExpert,
        StationStaff,
        ActivityEvidence,
        CreditFlag,
    }
)
