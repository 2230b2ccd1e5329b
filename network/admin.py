from django.contrib import admin

from .models import Demand, DemandAttachment, DemandUpdate, Enterprise


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ("name", "credit_code", "city", "contact_name", "created_at")
    list_filter = ("city",)
    search_fields = ("name", "credit_code")
    raw_id_fields = ("user",)


class DemandUpdateInline(admin.TabularInline):
    model = DemandUpdate
    extra = 0
    readonly_fields = ("at", "actor", "from_status", "to_status", "note")
    can_delete = False


class DemandAttachmentInline(admin.TabularInline):
    model = DemandAttachment
    extra = 0
    fields = ("original_name", "content_type", "size", "uploaded_at")
    readonly_fields = fields
    can_delete = False


@admin.register(Demand)
class DemandAdmin(admin.ModelAdmin):
    """Read-mostly: status changes go through network.services.demand_transition."""

    list_display = ("title", "enterprise", "city", "status", "station", "created_at")
    list_filter = ("city", "status", "urgency")
    search_fields = ("title", "enterprise__name")
    readonly_fields = (
        "status",
        "station",
        "accepted_at",
        "finished_at",
        "served_record",
        "solved_record",
        "transfer_record",
    )
    inlines = [DemandUpdateInline, DemandAttachmentInline]
