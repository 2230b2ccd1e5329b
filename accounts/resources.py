"""django-import-export pieces the user import shares with the directory's (stations.resources)."""

from __future__ import annotations

from import_export.widgets import ForeignKeyWidget


class CityScopedForeignKeyWidget(ForeignKeyWidget):
    """Look a related object up by `field` among the objects of the row's city."""

    def __init__(
        self, model, field="name", *, city_column="city", city_path="city__code", extra=None
    ):
        super().__init__(model, field)
        self.city_column = city_column
        self.city_path = city_path
        # Extra row columns narrowing the lookup, e.g. {"employer": "expert_employer"}.
        self.extra = extra or {}

    def get_queryset(self, value, row, *args, **kwargs):
        qs = self.model.objects.all()
        city_code = (row or {}).get(self.city_column)
        if city_code:
            qs = qs.filter(**{self.city_path: city_code})
        for field, column in self.extra.items():
            if row and row.get(column):
                qs = qs.filter(**{field: row[column]})
        return qs
