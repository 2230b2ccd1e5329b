from django.contrib import admin

from .models import Call, MessageTemplate


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ["title", "city", "program", "opens_on", "closes_on", "quota"]
    list_filter = ["city"]


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    """Each city's wording of workflow notifications ({title}, {stage}, {comment}, {due})."""

    list_display = ["city", "event", "title"]
    list_filter = ["city", "event"]
