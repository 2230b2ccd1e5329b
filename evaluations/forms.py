from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from funding.forms import BootstrapForm
from stations.forms import MarkInvalidMixin

from .services import DEMAND_RATINGS


class RoundOpenForm(MarkInvalidMixin, BootstrapForm):
    year = forms.IntegerField(label=_("考核年度"), min_value=2000, max_value=2100)
    due_date = forms.DateField(
        label=_("自评材料截止日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    title = forms.CharField(label=_("名称（可留空）"), required=False, max_length=100)


class SelfReportForm(MarkInvalidMixin, BootstrapForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    summary = forms.CharField(label=_("年度工作总结"), widget=forms.Textarea(attrs={"rows": 5}))
    final_accounts = forms.CharField(
        label=_("经费决算说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    final_accounts_total = forms.DecimalField(
        label=_("决算支出合计（元）"), required=False, max_digits=12, decimal_places=2
    )

    def __init__(self, *args, fields: tuple[str, ...], **kwargs):
        """Keep the policy's `self_report_fields` (CityPolicy) and the version only."""
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name != "version" and name not in fields:
                del self.fields[name]


class AttachmentForm(MarkInvalidMixin, BootstrapForm):
    file = forms.FileField(label=_("照片、视频或其他附件"))


class DemandUnitForm(MarkInvalidMixin, BootstrapForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    rating = forms.ChoiceField(
        label=_("需求单位评价"), choices=[(k, _(v)) for k, v in DEMAND_RATINGS.items()]
    )
    opinion = forms.CharField(label=_("评价意见"), widget=forms.Textarea(attrs={"rows": 3}))


class AssignForm(MarkInvalidMixin, BootstrapForm):
    experts = forms.ModelMultipleChoiceField(label=_("评审专家"), queryset=None)

    def __init__(self, *args, experts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["experts"].queryset = experts


class ScoreForm(MarkInvalidMixin, BootstrapForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    comment = forms.CharField(
        label=_("评审意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, rubric, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator_fields = []
        for ind in rubric.indicators:
            name = f"pt_{ind.code}"
            self.fields[name] = forms.DecimalField(
                label=_("%(label)s（满分 %(max)s）")
                % {"label": gettext(ind.label_zh), "max": ind.max_points},
                min_value=0,
                max_value=ind.max_points,
                decimal_places=1,
                widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.5"}),
            )
            self.indicator_fields.append(name)
        self.order_fields([*self.indicator_fields, "comment"])

    def points(self) -> dict[str, float]:
        return {n[3:]: float(self.cleaned_data[n]) for n in self.indicator_fields}


class ConfirmForm(MarkInvalidMixin, BootstrapForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    final_score = forms.DecimalField(
        label=_("最终得分"), min_value=0, max_value=100, decimal_places=2
    )
    rectification_deadline = forms.DateField(
        label=_("整改期限（如结果为限期整改；留空为90天）"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
