"""Forms of the network app; messages are user-facing (zh-hans)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from stations.models import City, Station
from stations.validators import validate_credit_code, validate_mobile

from .antibot import HONEYPOT_FIELD
from .choices import Urgency
from .models import Enterprise
from .validators import MAX_ATTACHMENTS, validate_attachment


def bootstrapify(form: forms.Form) -> forms.Form:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")
    return form


class RegistrationForm(forms.Form):
    city = forms.ModelChoiceField(
        label=_("所在城市"), queryset=City.objects.all(), empty_label=_("请选择")
    )
    name = forms.CharField(label=_("企业名称"), max_length=100)
    credit_code = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=18,
        min_length=1,
        help_text=_("18位，见营业执照"),
    )
    industry = forms.CharField(label=_("所属行业"), max_length=50, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=50)
    contact_mobile = forms.CharField(label=_("联系人手机"), max_length=11)
    contact_email = forms.EmailField(label=_("联系人电子邮箱"))
    username = forms.CharField(label=_("登录用户名"), max_length=150)
    password1 = forms.CharField(label=_("密码"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("确认密码"), widget=forms.PasswordInput, strip=False)
    challenge = forms.CharField(label=_("验证题"), max_length=4)
    # Hidden from people by the template; bots fill it.
    website = forms.CharField(label=_("网址（请勿填写）"), required=False)

    def __init__(self, *args, question: str = "", captcha: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if captcha:
            self.add_captcha()
        self.fields["challenge"].help_text = _("请用阿拉伯数字作答：") + question
        self.fields["challenge"].widget.attrs["autocomplete"] = "off"
        self.fields[HONEYPOT_FIELD].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        bootstrapify(self)

    def add_captcha(self) -> None:
        """Ask an image CAPTCHA too (network.antibot.needs_captcha)."""
        from captcha.fields import CaptchaField

        if "captcha" not in self.fields:
            self.fields["captcha"] = CaptchaField(
                label=_("图形验证码"),
                help_text=_("请输入图片中的字符（不区分大小写）"),
                error_messages={"invalid": _("图形验证码不正确，请重新输入。")},
            )
            self.fields["captcha"].widget.attrs["class"] = "form-control"

    def clean_credit_code(self) -> str:
        code = self.cleaned_data["credit_code"].strip().upper()
        validate_credit_code(code)
        if Enterprise.objects.filter(credit_code=code).exists():
            raise ValidationError(_("该统一社会信用代码已注册，请直接登录。"))
        return code

    def clean_contact_mobile(self) -> str:
        mobile = self.cleaned_data["contact_mobile"].strip()
        validate_mobile(mobile)
        return mobile

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise ValidationError(_("该用户名已被使用，请换一个。"))
        return username

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2:
            if p1 != p2:
                self.add_error("password2", _("两次输入的密码不一致。"))
            else:
                user = get_user_model()(
                    username=data.get("username", ""), email=data.get("contact_email", "")
                )
                try:
                    password_validation.validate_password(p1, user)
                except ValidationError as exc:
                    self.add_error("password1", exc)
        return data


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ".pdf,.docx,.xlsx,.jpg,.jpeg,.png"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class DemandForm(forms.Form):
    title = forms.CharField(label=_("需求名称"), max_length=150)
    industry = forms.CharField(
        label=_("所属产业"), max_length=50, help_text=_("如：装备制造、新材料")
    )
    field = forms.CharField(
        label=_("技术领域"), max_length=50, help_text=_("如：机械工程、材料科学")
    )
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices)
    description = forms.CharField(label=_("需求描述"), widget=forms.Textarea(attrs={"rows": 6}))
    attachments = MultipleFileField(
        label=_("附件"),
        required=False,
        help_text=_("可选，最多5个；仅限 PDF、DOCX、XLSX、JPG、PNG，每个不超过10MB。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrapify(self)

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        if len(files) > MAX_ATTACHMENTS:
            raise ValidationError(_("附件最多上传%(n)d个。"), params={"n": MAX_ATTACHMENTS})
        errors = []
        for upload in files:
            try:
                validate_attachment(upload)
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        return files


class AssignForm(forms.Form):
    station = forms.ModelChoiceField(label=_("分派给服务站"), queryset=Station.objects.none())
    note = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, stations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if stations is not None:
            self.fields["station"].queryset = stations
        bootstrapify(self)


class ProgressForm(forms.Form):
    note = forms.CharField(
        label=_("说明 / 服务成效"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    achievement_transferred = forms.BooleanField(label=_("实现成果转化"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrapify(self)
