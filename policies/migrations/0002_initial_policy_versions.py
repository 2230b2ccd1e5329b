"""Version 1 of each reference city's parameters = the city module's defaults.

Cities created later get their version 1 lazily (policies.selectors.policy_version_for).
"""

import datetime as dt

from django.db import migrations


def forwards(apps, schema_editor):
    from policies.engine import validate_params
    from policies.registry import all_policies

    City = apps.get_model("stations", "City")
    PolicyVersion = apps.get_model("policies", "PolicyVersion")
    policies = all_policies()
    for city in City.objects.all():
        policy = policies.get(city.policy_code)
        if policy is None:
            continue
        PolicyVersion.objects.get_or_create(
            city=city,
            version=1,
            defaults={
                "effective_from": policy.effective_from or dt.date(2000, 1, 1),
                "params": validate_params(policy, policy.defaults),
                "note": "政策文件默认值",
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("policies", "0001_initial"),
        ("stations", "0002_reference_cities"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
