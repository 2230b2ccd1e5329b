"""The filter dropdowns' FastSelect writes the same <select> as Django's, without a template
per option (a city's 400 societies made that most of the station list's time)."""

import re

from django import forms

from stations.filters import FastSelect, StationFilter


def options(html: str) -> list[tuple[str, bool, str]]:
    return [
        (value, bool(selected), label.strip())
        for value, selected, label in re.findall(
            r'<option value="([^"]*)"( selected)?>([^<]*)</option>', html
        )
    ]


def test_fast_select_matches_djangos_select():
    choices = [("", "全部"), ("1", "甲学会"), ("2", "<b>乙</b> & 丙"), ("3", "丁")]
    attrs = {"class": "form-select", "id": "id_society"}
    ours = FastSelect(choices=choices).render("society", "2", attrs)
    django = forms.Select(choices=choices).render("society", "2", attrs)
    assert options(ours) == options(django)
    assert ("2", True, "&lt;b&gt;乙&lt;/b&gt; &amp; 丙") in options(ours)
    assert ours.startswith('<select class="form-select" id="id_society" name="society">')


def test_list_filters_use_it_for_their_choice_lists(rf, db):
    from tests.factories import UserFactory

    request = rf.get("/stations/")
    request.user = UserFactory(role="city_admin")
    from stations.models import Station

    form = StationFilter(None, queryset=Station.objects.all(), request=request).form
    assert isinstance(form.fields["society"].widget, FastSelect)
    assert isinstance(form.fields["status"].widget, FastSelect)


def test_the_choices_are_read_when_the_form_renders_not_when_it_filters(rf, db, shenyang):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from stations.models import Station
    from tests.factories import SocietyFactory, UserFactory

    society = SocietyFactory(city=shenyang, name="甲学会")
    request = rf.get("/stations/", {"status": "certified"})
    request.user = UserFactory(role="city_admin", city=shenyang)
    filterset = StationFilter(request.GET, queryset=Station.objects.all(), request=request)
    with CaptureQueriesContext(connection) as ctx:
        assert filterset.is_valid()
    assert not any('FROM "stations_society"' in q["sql"] for q in ctx.captured_queries)
    html = str(filterset.form["society"])
    assert (str(society.pk), False, "甲学会") in options(html)


def test_a_dropdown_reads_its_choices_once_when_it_renders(rf, db, shenyang, monkeypatch):
    """Django asks a <select> for its first choice (the `required` attribute) before it
    renders them all: one read of the shared cache a dropdown, not two."""
    from stations import filters
    from stations.models import Station
    from tests.factories import SocietyFactory, UserFactory

    SocietyFactory(city=shenyang, name="甲学会")
    reads = []
    real = filters.directory_choices

    def counted(queryset, label, **kwargs):
        reads.append(queryset.model.__name__)
        return real(queryset, label, **kwargs)

    monkeypatch.setattr(filters, "directory_choices", counted)
    request = rf.get("/stations/")
    request.user = UserFactory(role="city_admin", city=shenyang)
    form = StationFilter(request.GET, queryset=Station.objects.all(), request=request).form
    html = str(form["society"]) + str(form["district"])
    assert sorted(reads) == ["District", "Society"]
    assert "甲学会" in html and "required" not in html


def test_the_society_dropdown_is_read_as_values_and_labelled_as_str_would(rf, db, shenyang):
    """Societies are listed from (id, name) rows, not model instances; the labels are what
    str(society) gives, another city's societies and a district's own label unchanged."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from stations.models import Society, Station
    from tests.factories import SocietyFactory, UserFactory, city

    ours = [SocietyFactory(city=shenyang, name=n) for n in ("乙学会", "<甲> & 学会")]
    SocietyFactory(city=city("hangzhou"), name="别市学会")
    request = rf.get("/stations/")
    request.user = UserFactory(role="city_admin", city=shenyang)
    form = StationFilter(None, queryset=Station.objects.all(), request=request).form
    with CaptureQueriesContext(connection) as ctx:
        society_options = options(str(form["society"]))
        district_options = options(str(form["district"]))
    (sql,) = [q["sql"] for q in ctx.captured_queries if 'FROM "stations_society"' in q["sql"]]
    columns = sql.split(" FROM ")[0]
    assert columns == 'SELECT "stations_society"."id" AS "pk", "stations_society"."name" AS "name"'
    expected = sorted(ours, key=lambda s: (s.name, s.pk))
    assert society_options[1:] == [
        (str(s.pk), False, str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
        for s in expected
    ]
    districts = shenyang.districts.select_related("city").order_by("id")
    assert district_options[1:] == [(str(d.pk), False, str(d)) for d in districts]
    assert Society.CHOICE_LABEL_FIELD == "name"


def test_a_choice_label_field_is_what_str_gives():
    """Every model that names a CHOICE_LABEL_FIELD must print as that column."""
    from django.apps import apps

    declared = [m for m in apps.get_models() if getattr(m, "CHOICE_LABEL_FIELD", None)]
    assert declared
    for model in declared:
        obj = model(**{model.CHOICE_LABEL_FIELD: "某名称 <x>"})
        assert str(obj) == "某名称 <x>", model
