"""Forms of the policies pages; built from the city module's parameter specs."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .registry import all_policies
from .types import LEVEL_LABELS, CityPolicy


def params_form_class(policy: CityPolicy, current: dict):
    """Return a form with one field per parameter, prefilled with the current values."""
    fields: dict[str, forms.Field] = {}
    for spec in policy.param_specs:
        label = f"{gettext(spec.label_zh)}（{spec.unit}）" if spec.unit else gettext(spec.label_zh)
        help_text = f"依据：{spec.clause}" if spec.clause else ""
        if spec.kind == "bool":
            field = forms.BooleanField(label=label, required=False, help_text=help_text)
        elif spec.kind == "month_day":
            field = forms.RegexField(
                regex=r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$",
                label=label,
                help_text=help_text or "格式：月-日，如 05-31",
            )
        else:
            field = forms.IntegerField(
                label=label, min_value=spec.min_value, max_value=spec.max_value, help_text=help_text
            )
        field.initial = current.get(spec.key)
        fields[spec.key] = field
    fields["effective_from"] = forms.DateField(
        label=_("生效日期"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    fields["note"] = forms.CharField(label=_("修改原因"), widget=forms.Textarea(attrs={"rows": 2}))
    return type("PolicyParamsForm", (forms.Form,), fields)


class StatutoryDayForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    is_workday = forms.TypedChoiceField(
        label=_("安排"),
        choices=[("0", _("放假")), ("1", _("调休上班"))],
        coerce=lambda v: v == "1",
    )
    name = forms.CharField(label=_("名称"), max_length=50, help_text=_("如：国庆节、春节调休上班"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Styled like every other form (Bootstrap classes; errors by the field).
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class SimulateForm(forms.Form):
    city = forms.ChoiceField(label=_("城市"))
    program = forms.CharField(label=_("项目代码"), max_length=30)
    level = forms.ChoiceField(label=_("级别"), choices=list(LEVEL_LABELS.items()))
    start_year = forms.IntegerField(
        label=_("起始年度"), min_value=2000, max_value=2100, initial=lambda: dt.date.today().year
    )
    amount = forms.IntegerField(
        label=_("核定金额（元）"),
        required=False,
        min_value=1,
        help_text=_("仅“一事一议”或区间金额的项目填写"),
    )
    evaluations = forms.CharField(
        label=_("各年度评估分数"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一个：年度:分数，如 2024:92"),
    )

    def __init__(self, *args, cities=None, **kwargs):
        super().__init__(*args, **kwargs)
        policies = all_policies()
        self.fields["city"].choices = [
            (c.policy_code, c.name) for c in (cities or []) if c.policy_code in policies
        ]
        programs = [
            f"{p.name_zh}："
            + "、".join(f"{code}（{prog.label_zh}）" for code, prog in p.programs.items())
            for p in policies.values()
        ]
        self.fields["program"].help_text = "；".join(programs)

    def clean_evaluations(self):
        rows = []
        for line in (self.cleaned_data.get("evaluations") or "").splitlines():
            line = line.strip().replace("：", ":")
            if not line:
                continue
            try:
                year, score = line.split(":")
                rows.append(
                    {"year": int(year), "score": float(score) if "." in score else int(score)}
                )
            except ValueError as exc:
                raise forms.ValidationError(f"无法识别“{line}”，格式应为 年度:分数") from exc
        return rows

    def scenario(self) -> dict:
        data = self.cleaned_data
        return {
            "city": data["city"],
            "program": data["program"],
            "level": data["level"],
            "start_year": data["start_year"],
            "amount": data.get("amount"),
            "evaluations": data["evaluations"],
        }
