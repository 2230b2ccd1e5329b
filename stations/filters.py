"""List filters. Choice lists are scoped to what the user can see (their city, district)."""

from __future__ import annotations

from functools import partial

import django_filters
from django import forms
from django.db.models import Q
from django.forms.utils import flatatt
from django.utils.choices import BaseChoiceIterator, normalize_choices
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from accounts.querycache import directory_choices, directory_rows

from .choices import ActivityKind, HostNature, Level, StationStatus
from .models import District, Society
from .selectors import society_list
from .templatetags.stations_tags import program_label_for


def district_choices(request):
    user = request.user if request else None
    qs = District.objects.select_related("city").order_by("city_id", "id")
    if user is None or not user.is_authenticated:
        return qs.none()
    if user.is_platform_admin:
        return qs
    if user.district_id:
        return qs.filter(pk=user.district_id)
    return qs.filter(city_id=user.city_id)


def society_choices(request):
    if request is None:
        return Society.objects.none()
    # Only what the dropdown shows: no bank account is read (or decrypted) for a choice list.
    return society_list(request.user).order_by("name", "id").only("id", "name", "city_id")


ANY = _("全部")


class FastSelect(forms.Select):
    """A <select> written in Python rather than one template per <option>.

    Django renders each option through its own template (≈ 0.3 ms each); a city's 400
    societies made the filter form most of the station list's time. Same HTML, escaped."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        selected = set(self.format_value(value))
        parts = [format_html("<select{}>", flatatt(final))]

        def option(option_value, label):
            text = "" if option_value is None else str(option_value)
            parts.append(
                format_html(
                    '<option value="{}"{}>{}</option>',
                    text,
                    mark_safe(" selected") if text in selected else "",
                    label,
                )
            )

        for option_value, label in self.choices:
            if isinstance(label, list | tuple):  # an optgroup
                parts.append(format_html('<optgroup label="{}">', option_value))
                for sub_value, sub_label in label:
                    option(sub_value, sub_label)
                parts.append("</optgroup>")
            else:
                option(option_value, label)
        parts.append("</select>")
        return mark_safe("".join(parts))


def yes_no_filter(label, **kwargs) -> django_filters.BooleanFilter:
    widget = forms.Select(choices=[("", ANY), ("true", _("是")), ("false", _("否"))])
    return django_filters.BooleanFilter(label=label, widget=widget, **kwargs)


def _choices(field, empty: list) -> list:
    # A model whose str() is its `name` (CHOICE_LABEL_FIELD) is listed from that column,
    # unless the field labels its options some other way.
    label_field = None
    if type(field).label_from_instance is forms.ModelChoiceField.label_from_instance:
        label_field = getattr(field.queryset.model, "CHOICE_LABEL_FIELD", None)
    return empty + directory_choices(
        field.queryset, field.label_from_instance, label_field=label_field
    )


class ChoicesOnce(BaseChoiceIterator):
    """A dropdown's choices, built when first iterated and kept for the form's life.

    Django reads a <select>'s choices twice when it renders one: the first choice, to decide
    on the `required` attribute (before it asks whether the field is required at all), then
    all of them. Through a plain callable that was two reads of the shared cache and two
    lists of a city's 400 societies a dropdown."""

    def __init__(self, build):
        self.build, self.rows = build, None

    def __iter__(self):
        if self.rows is None:
            self.rows = normalize_choices(self.build())
        return iter(self.rows)


class SearchFilterSet(django_filters.FilterSet):
    """A FilterSet with a free-text `q` over `search_fields`; empty choices read “全部”."""

    search_fields: tuple[str, ...] = ()
    q = django_filters.CharFilter(method="search", label=_("关键词"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for flt in self.filters.values():
            if isinstance(flt, django_filters.ChoiceFilter | django_filters.ModelChoiceFilter):
                flt.extra["empty_label"] = ANY
                flt.extra.setdefault("widget", FastSelect)

    @property
    def form(self):
        form = super().form
        if not getattr(self, "_choices_cached", False):
            self._choices_cached = True
            for field in form.fields.values():
                if isinstance(field, forms.ModelChoiceField) and isinstance(
                    field.widget, FastSelect
                ):
                    # The same dropdown for everyone in a scope: read once from the shared
                    # cache (the queryset still validates a submitted value), and only when
                    # the form is rendered (ChoicesOnce builds them when first iterated), not
                    # when it only filters (a cached list page renders no form).
                    empty = [] if field.empty_label is None else [("", field.empty_label)]
                    field.widget.choices = ChoicesOnce(partial(_choices, field, empty))
        return form

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)


class StationFilter(SearchFilterSet):
    search_fields = ("name", "society__name", "host_unit__name", "certificate_no", "head_name")
    status = django_filters.ChoiceFilter(choices=StationStatus.choices, label=_("状态"))
    level = django_filters.ChoiceFilter(choices=Level.choices, label=_("级别"))
    program = django_filters.ChoiceFilter(choices=(), label=_("项目类别"))
    district = django_filters.ModelChoiceFilter(queryset=district_choices, label=_("县（市、区）"))
    society = django_filters.ModelChoiceFilter(queryset=society_choices, label=_("建站学会"))
    industry = django_filters.CharFilter(method="industry_or_discipline", label=_("产业领域/专业"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Program codes come from the city policies; offer the ones in use among visible rows.
        programs = directory_rows(
            self.queryset.order_by("program").values_list("program", flat=True).distinct()
        )
        user = self.request.user if self.request else None
        policy_code = user.city.policy_code if user is not None and user.city_id else None
        self.filters["program"].extra["choices"] = [
            (p, program_label_for(policy_code, p)) for p in programs if p
        ]

    def industry_or_discipline(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(industry__icontains=value) | Q(discipline__icontains=value))


class SocietyFilter(SearchFilterSet):
    search_fields = ("name", "discipline", "legal_rep", "contact_name")
    level = django_filters.ChoiceFilter(choices=Level.choices, label=_("学会级别"))
    discipline = django_filters.CharFilter(lookup_expr="icontains", label=_("专业领域"))
    rating = django_filters.ChoiceFilter(
        choices=[c for c in Society._meta.get_field("rating").choices if c[0]],
        label=_("评估等级"),
    )
    credit_flagged = django_filters.BooleanFilter(method="flagged", label=_("有未移出的信用记录"))

    def flagged(self, queryset, name, value):
        if value is None:
            return queryset
        active = Q(credit_flags__isnull=False, credit_flags__lifted_on__isnull=True)
        return queryset.filter(active).distinct() if value else queryset.exclude(active)


class HostUnitFilter(SearchFilterSet):
    search_fields = ("name", "credit_code", "legal_rep", "industry", "industry_fields")
    nature = django_filters.ChoiceFilter(choices=HostNature.choices, label=_("单位性质"))
    district = django_filters.ModelChoiceFilter(queryset=district_choices, label=_("县（市、区）"))
    industry = django_filters.CharFilter(method="industry_search", label=_("产业/行业领域"))

    def industry_search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(industry__icontains=value) | Q(industry_fields__icontains=value))


class ExpertFilter(SearchFilterSet):
    search_fields = ("name", "employer", "field", "title")
    field = django_filters.CharFilter(lookup_expr="icontains", label=_("专业领域"))
    society = django_filters.ModelChoiceFilter(queryset=society_choices, label=_("所属学会"))
    province = django_filters.CharFilter(lookup_expr="icontains", label=_("所在省份"))
    is_reviewer = yes_no_filter(_("评审专家库成员"))


class ActivityFilter(SearchFilterSet):
    search_fields = ("title", "description")

    kind = django_filters.ChoiceFilter(choices=ActivityKind.choices, label=_("活动类别"))
    year = django_filters.NumberFilter(field_name="date", lookup_expr="year", label=_("年度"))
