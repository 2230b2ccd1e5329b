"""Calls published before the policy declared its required materials ask for them too.

A call's `required_materials` now always holds the program's `required_attachments` first,
then the administrator's additions (applications.calls.merge_materials).
"""

from django.db import migrations


def add_policy_materials(apps, schema_editor):
    from policies.registry import get_policy

    Call = apps.get_model("applications", "Call")
    for call in Call.objects.select_related("city"):
        try:
            program = get_policy(call.city.policy_code).programs[call.program]
        except Exception:  # a city or program the code no longer knows: leave it as it is
            continue
        merged = list(dict.fromkeys([*program.required_attachments, *call.required_materials]))
        if merged != list(call.required_materials):
            call.required_materials = merged
            call.save(update_fields=["required_materials"])


class Migration(migrations.Migration):
    dependencies = [("applications", "0004_inbox_ordering_index"), ("stations", "0001_initial")]

    operations = [migrations.RunPython(add_policy_materials, migrations.RunPython.noop)]
