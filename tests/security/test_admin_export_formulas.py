"""Django-admin exports never write live formulas (issue 13): every admin with an export offers
only formats whose text cells go through accounts.cells.neutralise."""

import io

import openpyxl
import pytest
from django.contrib import admin
from import_export.mixins import BaseExportMixin

from accounts.admin_formats import EXPORT_FORMATS, SafeCSV, SafeTSV, SafeXLSX
from stations.models import Society
from stations.resources import SocietyResource
from tests.factories import SocietyFactory

HOSTILE = ["=1+1", "==1+1", '=HYPERLINK("http://evil.example","点我")', "+1+1", "-1+1", "@SUM(A1)"]


def test_every_admin_export_offers_only_safe_formats():
    exporting = [
        model_admin
        for model_admin in admin.site._registry.values()
        if isinstance(model_admin, BaseExportMixin)
    ]
    assert exporting, "no admin with an export found"
    for model_admin in exporting:
        formats = model_admin.get_export_formats()
        assert formats and set(formats) <= set(EXPORT_FORMATS), type(model_admin).__name__


@pytest.mark.django_db
@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_are_written_as_text_in_every_format(shenyang, name):
    society = SocietyFactory(city=shenyang, name=name)
    for fmt in (SafeXLSX, SafeCSV, SafeTSV):
        dataset = SocietyResource().export(Society.objects.filter(pk=society.pk))
        data = fmt().export_data(dataset)
        if fmt is SafeXLSX:
            sheet = openpyxl.load_workbook(io.BytesIO(data)).active
            cells = [c.value for row in sheet.iter_rows() for c in row]
            kinds = [c.data_type for row in sheet.iter_rows() for c in row]
            assert "f" not in kinds  # no formula cell at all
            assert "'" + name in cells
        else:
            text = data if isinstance(data, str) else data.decode()
            fields = [
                f.strip('"')
                for line in text.splitlines()
                for f in line.split("," if fmt is SafeCSV else "\t")
            ]
            assert not any(f.startswith(("=", "+", "-", "@")) for f in fields), text
