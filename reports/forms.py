"""Forms of the reports pages."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stations.models import City

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"})


class SubsidyReportForm(forms.Form):
    city = forms.ModelChoiceField(
        label=_("城市"), queryset=City.objects.none(), empty_label=None, required=False
    )
    year = forms.IntegerField(
        label=_("资助年度"),
        min_value=2000,
        max_value=2100,
        required=False,
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=DATE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.is_platform_admin:
            self.fields["city"].queryset = City.objects.order_by("id")
            self.fields["city"].widget.attrs["class"] = "form-select"
        else:
            del self.fields["city"]
        self.fields["year"].initial = timezone.localdate().year

    def clean(self):
        data = super().clean()
        year, start, end = data.get("year"), data.get("date_from"), data.get("date_to")
        if start or end:
            if not (start and end):
                raise forms.ValidationError("按日期统计时，请同时填写起始日期和截止日期。")
            if end < start:
                raise forms.ValidationError("截止日期不能早于起始日期。")
            data["year"] = None
        elif not year:
            raise forms.ValidationError("请填写资助年度，或填写起止日期。")
        if not self.user.is_platform_admin:
            data["city"] = self.user.city
        elif not data.get("city"):
            raise forms.ValidationError("请选择城市。")
        return data


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Excel 或 CSV 文件（.xlsx、.xls、.csv）"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control"}),
    )
