from django import forms

from funding.forms import BootstrapForm

from .services import DEMAND_RATINGS


class RoundOpenForm(BootstrapForm):
    year = forms.IntegerField(label="考核年度", min_value=2000, max_value=2100)
    due_date = forms.DateField(
        label="自评材料截止日期", widget=forms.DateInput(attrs={"type": "date"})
    )
    title = forms.CharField(label="名称（可留空）", required=False, max_length=100)


class SelfReportForm(BootstrapForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    summary = forms.CharField(label="年度工作总结", widget=forms.Textarea(attrs={"rows": 5}))
    final_accounts = forms.CharField(
        label="经费决算说明", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    final_accounts_total = forms.DecimalField(
        label="决算支出合计（元）", required=False, max_digits=12, decimal_places=2
    )


class AttachmentForm(BootstrapForm):
    file = forms.FileField(label="照片、视频或其他附件")


class DemandUnitForm(BootstrapForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    rating = forms.ChoiceField(label="需求单位评价", choices=list(DEMAND_RATINGS.items()))
    opinion = forms.CharField(label="评价意见", widget=forms.Textarea(attrs={"rows": 3}))


class AssignForm(BootstrapForm):
    experts = forms.ModelMultipleChoiceField(label="评审专家", queryset=None)

    def __init__(self, *args, experts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["experts"].queryset = experts


class ScoreForm(BootstrapForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    comment = forms.CharField(
        label="评审意见", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, rubric, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator_fields = []
        for ind in rubric.indicators:
            name = f"pt_{ind.code}"
            self.fields[name] = forms.DecimalField(
                label=f"{ind.label_zh}（满分 {ind.max_points}）",
                min_value=0,
                max_value=ind.max_points,
                decimal_places=1,
                widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.5"}),
            )
            self.indicator_fields.append(name)
        self.order_fields([*self.indicator_fields, "comment"])

    def points(self) -> dict[str, float]:
        return {n[3:]: float(self.cleaned_data[n]) for n in self.indicator_fields}


class ConfirmForm(BootstrapForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    final_score = forms.DecimalField(label="最终得分", min_value=0, max_value=100, decimal_places=1)
    rectification_deadline = forms.DateField(
        label="整改期限（如结果为限期整改；留空为90天）",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
