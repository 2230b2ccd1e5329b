"""The forms of the review workflow (calls, uploads, inspections, notices, contracts,
objections). The application forms themselves (申报书) are in `program_forms`.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import AttachmentKind, Call
from .program_forms import (  # noqa: F401 (the application forms, imported from here too)
    FORMS,
    TEXTAREA,
    BudgetFormSet,
    BudgetRowForm,
    GenericProgramForm,
    ProgramForm,
    budget_total,
    date_field,
    form_class_for,
    reveals_identity,
    rmb_uppercase,
)


class BootstrapMixin:
    def _style(self):
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "form-select")
            else:
                field.widget.attrs.setdefault("class", "form-control")


MATERIAL_CHOICES = [c for c in AttachmentKind.choices if c[0] != AttachmentKind.INSPECTION_PHOTO]


class CallForm(BootstrapMixin, forms.ModelForm):
    """Publish or edit a call. The policy's required materials are always included: the
    ticks only add to them (`policy_materials`: {program: [labels]} shown as help)."""

    required_materials = forms.MultipleChoiceField(
        label=_("增加必交材料（政策规定的材料自动列入，不能删除）"),
        choices=MATERIAL_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Call
        fields = ["program", "title", "description", "opens_on", "closes_on", "quota"]
        widgets = {
            "opens_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "closes_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": TEXTAREA,
        }

    def __init__(self, *args, programs=(), policy_materials=None, lock_program=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"] = forms.ChoiceField(label=_("项目类别"), choices=programs)
        if self.instance.pk:
            self.initial.setdefault("program", self.instance.program)
            self.initial.setdefault("required_materials", self.instance.required_materials)
        if lock_program:
            # Drafts exist: they were opened for this program's form.
            self.fields["program"].disabled = True
            self.fields["program"].help_text = _("已有申报草稿，项目类别不能更改。")
        self.policy_materials = policy_materials or {}
        self._style()
        self.fields["required_materials"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        data = super().clean()
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            raise ValidationError(_("截止日期不能早于开始日期。"))
        return data


class CallExtendForm(BootstrapMixin, forms.Form):
    """Extend the closing date of a call that already has submissions (reason recorded)."""

    closes_on = forms.DateField(
        label=_("新的截止日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(label=_("延长理由"), widget=TEXTAREA)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class UploadForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("材料类别"), choices=MATERIAL_CHOICES)
    file = forms.FileField(label=_("文件"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class InspectionForm(BootstrapMixin, forms.Form):
    date = forms.DateField(
        label=_("考察日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    inspectors = forms.CharField(label=_("考察人员"), max_length=200)
    findings = forms.CharField(label=_("考察意见"), widget=TEXTAREA)
    photo = forms.FileField(label=_("现场照片（JPG/PNG）"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class NoticeForm(BootstrapMixin, forms.Form):
    title = forms.CharField(label=_("公示标题"), max_length=150)
    body = forms.CharField(label=_("公示内容"), widget=TEXTAREA, required=False)
    start_on = forms.DateField(
        label=_("公示开始日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class ContractForm(BootstrapMixin, forms.Form):
    """签订项目合同: what the contract step records (杭州 附件第九条)."""

    contract_signed_on = forms.DateField(
        label=_("合同签订日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("请填写合同签订日期。"), "invalid": _("请填写有效的日期。")},
    )
    contract_no = forms.CharField(
        label=_("合同编号"), max_length=60, error_messages={"required": _("请填写合同编号。")}
    )
    contract_scan = forms.FileField(
        label=_("签字盖章的合同扫描件（PDF/JPG/PNG）"),
        error_messages={"required": _("请上传签字盖章的合同扫描件。")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()


class ObjectionForm(BootstrapMixin, forms.Form):
    application = forms.TypedChoiceField(label=_("涉及申报"), coerce=int)
    received_on = forms.DateField(
        label=_("收到日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    objector = forms.CharField(label=_("异议人"), max_length=100, required=False)
    content = forms.CharField(label=_("异议内容"), widget=TEXTAREA)

    def __init__(self, *args, applications=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].choices = [(a.pk, a.title) for a in applications]
        self._style()
