from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确，请重新输入（注意区分大小写）。"),
        "inactive": _("该账号已停用，请联系市科协学会部管理员。"),
    }
