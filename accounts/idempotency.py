"""One-time form tokens: a form that writes money renders a fresh random token; the POST that
uses it stores it in a table where it is unique, inside the same transaction as the write.

A second POST of the same rendered form (double click, browser resend, twenty at once) finds
the token taken and writes nothing; a write that fails rolls the token back, so the user can
correct the form and send it again.
"""

from __future__ import annotations

import re
import secrets
from contextlib import contextmanager

from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

TOKEN_FIELD = "form_token"
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


class DuplicateSubmission(ValidationError):
    """The form's token was already used: this POST repeats one that was already recorded."""


def new_token() -> str:
    return secrets.token_urlsafe(24)


class OneTimeTokenMixin(forms.Form):
    """Adds the hidden one-time token; cleaned_data leaves it out and `form.token` holds it."""

    form_token = forms.CharField(widget=forms.HiddenInput, required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields[TOKEN_FIELD].initial = new_token()
        self.fields[TOKEN_FIELD].error_messages["required"] = _(
            "表单已失效，请刷新页面后重新填写。"
        )

    def clean_form_token(self):
        token = self.cleaned_data.get(TOKEN_FIELD, "")
        if not TOKEN_RE.match(token):
            raise ValidationError(_("表单已失效，请刷新页面后重新填写。"))
        return token

    def clean(self):
        data = super().clean()
        self.token = data.pop(TOKEN_FIELD, None)
        return data


def token_consume(*, key: str, user, purpose: str) -> None:
    """Record `key` as used (call inside the write's transaction); raise DuplicateSubmission if
    it already was. On PostgreSQL a concurrent POST with the same key waits for the first one's
    transaction and then fails here."""
    from .models import FormSubmission

    if not key or not TOKEN_RE.match(key):
        raise ValidationError(_("表单已失效，请刷新页面后重新填写。"))
    try:
        with transaction.atomic():
            FormSubmission.objects.create(key=key, user=user, purpose=purpose[:60])
    except IntegrityError:
        raise DuplicateSubmission(
            _("这张表单已经提交过，本次没有重复登记。请刷新页面查看结果。"),
            code="duplicate_submission",
        ) from None


@contextmanager
def once(*, key: str, user, purpose: str):
    """`with once(...): write()` — the write and the token commit or roll back together."""
    with transaction.atomic():
        token_consume(key=key, user=user, purpose=purpose)
        yield
