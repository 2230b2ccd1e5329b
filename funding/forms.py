from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.idempotency import OneTimeTokenMixin
from policies.api import EXPENSE_LABELS, LEVEL_LABELS


class BootstrapForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            if not field.widget.is_hidden:
                field.widget.attrs.setdefault("class", css)


class MoneyForm(OneTimeTokenMixin, BootstrapForm):
    """A form that writes money: it carries a one-time token (accounts/idempotency.py)."""


class GrantCreateForm(BootstrapForm):
    station = forms.ModelChoiceField(label=_("服务站"), queryset=None)
    program = forms.ChoiceField(label=_("资助项目"), choices=())
    level = forms.ChoiceField(
        label=_("级别"),
        choices=[("", _("按服务站级别"))] + [(k, _(v)) for k, v in LEVEL_LABELS.items()],
        required=False,
    )
    start_year = forms.IntegerField(label=_("起始年度"), min_value=2000, max_value=2100)
    amount = forms.IntegerField(
        label=_("金额（元，一事一议或区间金额时填写）"), required=False, min_value=1
    )
    activity_scope = forms.CharField(
        label=_("资助活动内容（杭州不重复资助核查）"), required=False, max_length=200
    )

    def __init__(self, *args, stations, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations
        self.fields["program"].choices = programs
        self.fields["start_year"].initial = timezone.localdate().year


class DisbursementForm(MoneyForm):
    year = forms.IntegerField(widget=forms.HiddenInput)
    paid_on = forms.DateField(label=_("支付日期"), widget=forms.DateInput(attrs={"type": "date"}))
    voucher_no = forms.CharField(label=_("凭证号"), max_length=40)
    payee_account_name = forms.CharField(label=_("收款户名"), max_length=100)
    payee_bank = forms.CharField(label=_("开户银行"), max_length=100)
    payee_account_no = forms.CharField(label=_("收款账号"), max_length=30)


class RecoveryForm(MoneyForm):
    amount = forms.IntegerField(label=_("追回金额（元）"), min_value=1)
    reason = forms.CharField(label=_("追回原因"), widget=forms.Textarea(attrs={"rows": 2}))
    clause = forms.CharField(label=_("政策依据（留空按本市规定）"), required=False, max_length=200)


class RepaymentForm(MoneyForm):
    recovery = forms.IntegerField(widget=forms.HiddenInput)
    amount = forms.IntegerField(label=_("退回金额（元）"), min_value=1)
    received_on = forms.DateField(
        label=_("到账日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    voucher_no = forms.CharField(label=_("凭证号"), max_length=40)


CATEGORY_CHOICES = [(k, _(v)) for k, v in EXPENSE_LABELS.items()]


class BudgetLineForm(BootstrapForm):
    category = forms.ChoiceField(label=_("支出类别"), choices=CATEGORY_CHOICES)
    content = forms.CharField(label=_("支出内容"), max_length=200)
    amount = forms.DecimalField(
        label=_("金额（元）"), min_value=0.01, max_digits=12, decimal_places=2
    )
    basis = forms.CharField(label=_("测算依据"), required=False, max_length=200)


class ExpenseForm(BootstrapForm):
    spent_on = forms.DateField(label=_("支出日期"), widget=forms.DateInput(attrs={"type": "date"}))
    category = forms.ChoiceField(label=_("支出类别"), choices=CATEGORY_CHOICES)
    description = forms.CharField(label=_("用途说明"), max_length=200)
    amount = forms.DecimalField(
        label=_("金额（元）"), min_value=0.01, max_digits=12, decimal_places=2
    )
    voucher_no = forms.CharField(label=_("凭证号"), required=False, max_length=40)


class PenaltyForm(MoneyForm):
    """The measures are the grant's policy's (CityPolicy.penalty_measures)."""

    measure = forms.ChoiceField(label=_("处罚措施（按情节轻重）"), choices=())
    reason = forms.CharField(label=_("原因"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, policy=None, params=None, **kwargs):
        super().__init__(*args, **kwargs)
        if policy is not None:
            labels = policy.penalty_labels(params or policy.params())
            self.fields["measure"].choices = [(k, _(v)) for k, v in labels.items()]


class SupportForm(MoneyForm):
    year = forms.IntegerField(label=_("补助年度"), min_value=2000, max_value=2100)
    amount = forms.IntegerField(label=_("补助金额（元）"), min_value=1)
    reason = forms.CharField(
        label=_("理由（合作情况）"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )


class RevokeForm(MoneyForm):
    """The grounds are the grant's policy's (CityPolicy.revocation_reasons)."""

    reason_code = forms.ChoiceField(label=_("撤销情形"), choices=())
    detail = forms.CharField(
        label=_("事实与认定依据"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )
    recover = forms.BooleanField(label=_("同时追回已拨付资金"), required=False)
    recover_amount = forms.IntegerField(label=_("追回金额（元）"), required=False, min_value=1)

    def __init__(self, *args, policy=None, **kwargs):
        super().__init__(*args, **kwargs)
        if policy is not None:
            field = self.fields["reason_code"]
            field.choices = [(k, _(v)) for k, v in policy.revocation_reasons.items()]
            field.label = f"{field.label}（{policy.revocation_clause}）"
        self.fields["recover"].widget.attrs.update(
            {"class": "form-check-input", "data-enables": f"#{self['recover_amount'].auto_id}"}
        )

    def clean(self):
        data = super().clean()
        if data.get("recover") and not data.get("recover_amount"):
            self.add_error("recover_amount", "决定追回时请填写追回金额。")
        if not data.get("recover"):
            data["recover_amount"] = None
        return data
