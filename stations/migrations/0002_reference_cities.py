from django.db import migrations


def forwards(apps, schema_editor):
    from stations.reference import ensure_reference_cities

    ensure_reference_cities(apps.get_model("stations", "City"), apps.get_model("stations", "District"))


class Migration(migrations.Migration):
    dependencies = [("stations", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
