"""Admin for users (with role and scope), the read-only audit log and the inbox."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from guardian.admin import GuardedModelAdminMixin
from import_export import fields, resources
from import_export.admin import ExportMixin, ImportExportModelAdmin
from import_export.widgets import ForeignKeyWidget

from .admin_formats import SafeExportMixin
from .models import (
    AuditEvent,
    EnrolmentCode,
    ExpertInvitation,
    FormSubmission,
    Notification,
    OutboxMessage,
    User,
    UserSession,
)
from .resources import CityScopedForeignKeyWidget
from .roles import Role
from .scoping import scope_queryset

# The directory objects a user is scoped to, read off the user model's own foreign keys:
# accounts sits below stations and imports none of its modules.
SCOPE_FIELDS = ("city", "district", "society", "host_unit", "expert")


def _model(field_name: str):
    return User._meta.get_field(field_name).related_model


def _unrestricted(user) -> bool:
    return user.is_superuser or getattr(user, "is_platform_admin", False)


def _attachable(user, db_field):
    """The rows a city's administrator may attach a user to (as stations.admin.visible)."""
    qs = db_field.related_model._default_manager.all()
    if db_field.name == "city":
        return qs.filter(pk=user.city_id)
    if db_field.name == "district":
        return qs.filter(city_id=user.city_id)
    return scope_queryset(user, qs)


class UserResource(resources.ModelResource):
    """Users by username; passwords are never exported or imported."""

    city = fields.Field(
        attribute="city", column_name="city", widget=ForeignKeyWidget(_model("city"), "code")
    )
    district = fields.Field(
        attribute="district",
        column_name="district",
        widget=CityScopedForeignKeyWidget(_model("district")),
    )
    society = fields.Field(
        attribute="society",
        column_name="society",
        widget=CityScopedForeignKeyWidget(_model("society")),
    )
    host_unit = fields.Field(
        attribute="host_unit",
        column_name="host_unit_credit_code",
        widget=CityScopedForeignKeyWidget(_model("host_unit"), "credit_code"),
    )
    expert = fields.Field(
        attribute="expert",
        column_name="expert",
        widget=CityScopedForeignKeyWidget(_model("expert"), extra={"employer": "expert_employer"}),
    )

    class Meta:
        model = User
        import_id_fields = ("username",)
        fields = (
            "username",
            "full_name",
            "role",
            "city",
            "district",
            "society",
            "host_unit",
            "expert",
            "email",
            "mobile",
            "is_active",
            "is_staff",
        )
        skip_unchanged = True

    def before_save_instance(self, instance, row, **kwargs):
        if instance._state.adding:
            instance.set_unusable_password()  # users set theirs via password reset
        instance.full_clean(exclude=["password"])


class AuditEventResource(resources.ModelResource):
    class Meta:
        model = AuditEvent
        fields = (
            "id",
            "at",
            "username",
            "ip",
            "event",
            "object_type",
            "object_id",
            "object_repr",
            "city",
            "result",
            "reason",
            "clause",
            "detail",
        )


class NotificationResource(resources.ModelResource):
    recipient = fields.Field(
        attribute="recipient",
        column_name="recipient",
        widget=ForeignKeyWidget(User, "username"),
    )

    class Meta:
        model = Notification
        fields = ("id", "recipient", "title", "body", "link", "created_at", "read_at", "emailed_at")


@admin.register(User)
class UserAdmin(SafeExportMixin, GuardedModelAdminMixin, ImportExportModelAdmin, BaseUserAdmin):
    resource_classes = [UserResource]
    list_display = ("username", "full_name", "role", "city", "is_active", "is_staff", "last_login")
    list_filter = ("role", "city", "is_active", "is_staff", "is_superuser")
    search_fields = ("username", "full_name", "email", "mobile")
    list_select_related = ("city",)
    autocomplete_fields = ("society", "host_unit", "expert")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("full_name", "email", "mobile")}),
        (
            _("角色与范围"),
            {"fields": ("role", "city", "district", "society", "host_unit", "expert")},
        ),
        (
            _("权限"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "password1",
                    "password2",
                    "full_name",
                    "role",
                    "city",
                    "district",
                    "society",
                    "host_unit",
                    "expert",
                ),
            },
        ),
    )

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if _unrestricted(request.user):
            return qs
        # A city administrator manages the accounts of their own city only.
        return qs.filter(city_id=request.user.city_id, is_superuser=False)

    def get_readonly_fields(self, request, obj=None):
        if _unrestricted(request.user):
            return ()
        return ("is_superuser", "user_permissions", "groups", "last_login", "date_joined")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not _unrestricted(request.user) and db_field.name in SCOPE_FIELDS:
            kwargs["queryset"] = _attachable(request.user, db_field)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role" and not _unrestricted(request.user):
            kwargs["choices"] = [c for c in Role.choices if c[0] != Role.SUPERUSER]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def has_import_permission(self, request):
        return _unrestricted(request.user)


class ReadOnlyAdminMixin:
    """Rows written only by services: the admin may read them, never add, edit or delete."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, SafeExportMixin, ExportMixin, admin.ModelAdmin):
    """The audit log is append-only: it can be read and exported, never edited here."""

    resource_classes = [AuditEventResource]
    list_display = ("at", "username", "event", "object_type", "object_repr", "result", "city", "ip")
    list_filter = ("result", "event", "object_type")
    search_fields = ("username", "event", "object_repr", "object_id", "reason")
    date_hierarchy = "at"
    list_select_related = ("city",)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if _unrestricted(request.user):
            return qs
        return qs.filter(city_id=request.user.city_id)


@admin.register(Notification)
class NotificationAdmin(SafeExportMixin, ExportMixin, admin.ModelAdmin):
    resource_classes = [NotificationResource]
    list_display = ("title", "recipient", "created_at", "read_at", "emailed_at")
    list_filter = ("read_at",)
    search_fields = ("title", "recipient__username")
    list_select_related = ("recipient",)
    raw_id_fields = ("recipient",)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if _unrestricted(request.user):
            return qs
        return qs.filter(recipient__city_id=request.user.city_id)


@admin.register(UserSession)
class UserSessionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Live logins, for reading; sessions are ended through the accounts services."""

    list_display = ("user", "created_at", "ip", "user_agent")
    search_fields = ("user__username", "ip")
    list_select_related = ("user",)
    readonly_fields = ("user", "session_key", "created_at", "ip", "user_agent")

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if _unrestricted(request.user):
            return qs
        return qs.filter(user__city_id=request.user.city_id)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Tasks waiting for (or already handed to) the broker; only the platform admin sees them."""

    list_display = ("task", "key", "created_at", "sent_at", "attempts", "last_error")
    list_filter = ("task",)
    search_fields = ("key", "task")

    def has_module_permission(self, request):
        return _unrestricted(request.user)

    def has_view_permission(self, request, obj=None):
        return _unrestricted(request.user)


@admin.register(FormSubmission)
class FormSubmissionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Used one-time form tokens (accounts/idempotency.py), for reading only."""

    list_display = ("purpose", "user", "submitted_at")
    search_fields = ("purpose", "user__username")
    list_select_related = ("user",)

    def has_module_permission(self, request):
        return _unrestricted(request.user)

    def has_view_permission(self, request, obj=None):
        return _unrestricted(request.user)


@admin.register(EnrolmentCode)
class EnrolmentCodeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Issued TOTP enrolment codes (hashes only); issued on the security administrator's page."""

    list_display = ("user", "issued_by", "issued_at", "expires_at", "used_at")
    exclude = ("code_hash",)
    list_select_related = ("user", "issued_by")

    def has_module_permission(self, request):
        return _unrestricted(request.user)

    def has_view_permission(self, request, obj=None):
        return _unrestricted(request.user)


@admin.register(ExpertInvitation)
class ExpertInvitationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Expert account invitations (hashes only); issued from an application's panel page."""

    list_display = ("expert", "user", "issued_by", "issued_at", "expires_at", "used_at")
    exclude = ("token_hash",)
    list_select_related = ("expert", "user", "issued_by")

    def has_module_permission(self, request):
        return _unrestricted(request.user)

    def has_view_permission(self, request, obj=None):
        return _unrestricted(request.user)
