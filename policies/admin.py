from django.contrib import admin

from .models import PolicyDecision, PolicyVersion, StatutoryDay


class ReadOnlyAdmin(admin.ModelAdmin):
    """Versions and decisions are history: created by services, never edited here."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ReadOnlyAdmin):
    list_display = ("city", "version", "effective_from", "created_by", "created_at")
    list_filter = ("city",)


@admin.register(PolicyDecision)
class PolicyDecisionAdmin(ReadOnlyAdmin):
    list_display = ("kind", "program", "subject_label", "city", "policy_version", "created_at")
    list_filter = ("city", "kind")
    search_fields = ("subject_label",)


@admin.register(StatutoryDay)
class StatutoryDayAdmin(ReadOnlyAdmin):
    """Edited on the holiday page so that every change is audited."""

    list_display = ("date", "is_workday", "name", "updated_at")
    date_hierarchy = "date"
