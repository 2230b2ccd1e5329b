"""Forms of the stations pages. They validate input; the services do the writing."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# The policy rules are pure and below stations (tests/test_architecture.py): a module import.
from policies.registry import get_policy

from .choices import StationStatus
from .models import ActivityRecord, City, District, Expert, HostUnit, Society, Station
from .privacy import can_see_bank_account
from .selectors import host_unit_list, society_list
from .services import allowed_station_statuses, check_evidence_upload


def bootstrapify(form: forms.BaseForm) -> forms.BaseForm:
    """Give every widget the Bootstrap 5 class that fits it."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()
    return form


class MarkInvalidMixin:
    """Add Bootstrap's `is-invalid` to a widget whenever its field gets an error."""

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = (attrs.get("class", "") + " is-invalid").strip()


def attach_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ScopedModelForm(MarkInvalidMixin, forms.ModelForm):
    """A model form for one user: fields only admins may change are dropped for the others.

    `official_fields` are facts recorded by the city CAST (names, levels, ratings, codes);
    the society's or host unit's own staff keep their contact and bank data up to date.
    """

    official_fields: tuple[str, ...] = ()

    def __init__(self, *args, user, city: City | None = None, is_admin: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.city = city
        if not is_admin:
            for name in self.official_fields:
                self.fields.pop(name, None)
        if "city" in self.fields and (city is not None or not user.is_platform_admin):
            # Only the platform administrator picks a city; everyone else works in their own.
            self.fields.pop("city")
        if (
            "bank_account_no" in self.fields
            and self.instance.pk
            and not can_see_bank_account(user, self.instance)
        ):
            # An editor who may not read the full number may not overwrite it either.
            self.fields.pop("bank_account_no")
        bootstrapify(self)

    def service_data(self) -> dict:
        """Return the cleaned values of the model fields this form edits."""
        return {
            name: self.cleaned_data[name]
            for name in self.fields
            if name in self.cleaned_data and name in {f.name for f in self._meta.model._meta.fields}
        }


CONTACT_FIELDS = [
    "contact_name",
    "contact_mobile",
    "contact_phone",
    "contact_email",
    "address",
    "postcode",
]
BANK_FIELDS = ["bank_account_name", "bank_name", "bank_account_no"]


class SocietyForm(ScopedModelForm):
    official_fields = ("name", "level", "parent", "branch_kind", "supervising_cast", "rating")

    class Meta:
        model = Society
        fields = [
            "city",
            "name",
            "level",
            "parent",
            "branch_kind",
            "discipline",
            "supervising_cast",
            "rating",
            "legal_rep",
            "legal_rep_title",
            "duties",
            *CONTACT_FIELDS,
            *BANK_FIELDS,
        ]
        widgets = {"duties": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "parent" in self.fields:
            parents = society_list(self.user).filter(parent__isnull=True).order_by("name")
            if self.city is not None:
                parents = parents.filter(city=self.city)
            if self.instance.pk:
                parents = parents.exclude(pk=self.instance.pk)
            self.fields["parent"].queryset = parents


class HostUnitForm(ScopedModelForm):
    official_fields = (
        "name",
        "nature",
        "credit_code",
        "district",
        "registered_city",
        "is_legal_person",
        "has_own_cast",
        "has_expert_workstation",
    )

    class Meta:
        model = HostUnit
        fields = [
            "city",
            "name",
            "nature",
            "credit_code",
            "legal_rep",
            "registered_city",
            "district",
            "industry",
            "industry_fields",
            "is_legal_person",
            "has_own_cast",
            "has_expert_workstation",
            "profile",
            *CONTACT_FIELDS,
            *BANK_FIELDS,
        ]
        widgets = {"profile": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "district" in self.fields:
            districts = District.objects.select_related("city")
            if self.city is not None:
                districts = districts.filter(city=self.city)
            self.fields["district"].queryset = districts

    def clean_credit_code(self):
        return (self.cleaned_data.get("credit_code") or "").strip().upper()


class ExpertForm(ScopedModelForm):
    class Meta:
        model = Expert
        fields = [
            "city",
            "name",
            "title",
            "field",
            "employer",
            "province",
            "society",
            "mobile",
            "email",
            "is_reviewer",
            "bio",
        ]
        widgets = {"bio": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        societies = society_list(self.user).order_by("name")
        if self.city is not None:
            societies = societies.filter(city=self.city)
        self.fields["society"].queryset = societies


class StationForm(ScopedModelForm):
    class Meta:
        model = Station
        fields = [
            "city",
            "name",
            "society",
            "host_unit",
            "district",
            "level",
            "program",
            "certificate_no",
            "certified_on",
            "industry",
            "discipline",
            "agreement_signed_on",
            "term_start",
            "term_end",
            "agreement_content",
            "head_name",
            "head_title",
            "head_mobile",
        ]
        widgets = {
            "certified_on": DateInput(),
            "agreement_signed_on": DateInput(),
            "term_start": DateInput(),
            "term_end": DateInput(),
            "agreement_content": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        societies = society_list(self.user).order_by("name")
        hosts = host_unit_list(self.user).order_by("name")
        districts = District.objects.select_related("city")
        if self.city is not None:
            societies = societies.filter(city=self.city)
            hosts = hosts.filter(city=self.city)
            districts = districts.filter(city=self.city)
        self.fields["society"].queryset = societies
        self.fields["host_unit"].queryset = hosts
        self.fields["district"].queryset = districts
        programs = city_programs(self.city)
        if programs:
            current = self.instance.program
            if current and current not in dict(programs):
                programs.append((current, current))
            self.fields["program"] = forms.ChoiceField(
                label=self.fields["program"].label, choices=[("", "---------"), *programs]
            )
            bootstrapify(self)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("term_start"), cleaned.get("term_end")
        if start and end and end < start:
            self.add_error("term_end", _("协议期限止不能早于协议期限起。"))
        return cleaned


def city_programs(city: City | None) -> list[tuple[str, str]]:
    """Return (code, Chinese label) of the programs in the city's policy module, if any."""
    if city is None:
        return []
    try:
        policy = get_policy(city.policy_code)
    except Exception:  # a city without a policy module keeps the free-text code
        return []
    return [(code, gettext(program.label_zh)) for code, program in policy.programs.items()]


class StationStatusForm(MarkInvalidMixin, forms.Form):
    to_status = forms.ChoiceField(label=_("变更为"), choices=())
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 2}))
    clause = forms.CharField(label=_("政策依据"), required=False, max_length=100)

    def __init__(self, *args, station: Station, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = allowed_station_statuses(station)
        bootstrapify(self)

    def clean_to_status(self):
        return StationStatus(self.cleaned_data["to_status"]).value


class ActivityRecordForm(MarkInvalidMixin, forms.ModelForm):
    evidence = forms.FileField(
        label=_("佐证材料"),
        required=False,
        help_text=_("可选，PDF、图片、Word 或 Excel，不超过20MB。"),
    )

    class Meta:
        model = ActivityRecord
        fields = ["kind", "date", "title", "quantity", "trainees", "description"]
        widgets = {"date": DateInput(), "description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrapify(self)

    def clean_evidence(self):
        upload = self.cleaned_data.get("evidence")
        if upload:
            check_evidence_upload(upload)
        return upload

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}
