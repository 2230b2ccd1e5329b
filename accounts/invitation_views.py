"""The page an invited expert opens: set a password for the account made for them."""

from django.contrib import messages
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from .invitations import expert_invitation_accept, invitation_for_token


@never_cache
def accept(request, token: str):
    invitation = invitation_for_token(token)
    if invitation is None:
        return render(request, "accounts/invitation.html", {"invalid": True}, status=404)
    form = SetPasswordForm(invitation.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            expert_invitation_accept(
                token=token, password=form.cleaned_data["new_password1"], request=request
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("密码已设置，请用用户名和新密码登录。"))
            return redirect("accounts:login")
    return render(
        request,
        "accounts/invitation.html",
        {"form": form, "username": invitation.user.username, "name": invitation.expert.name},
    )
