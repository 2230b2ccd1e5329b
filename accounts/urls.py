from django.contrib.auth import views as auth_views
from django.urls import path

from . import inbox, invitation_views, security_views
from .forms import LoginForm

app_name = "accounts"
urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html",
            authentication_form=LoginForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("invitation/<str:token>/", invitation_views.accept, name="invitation"),
    path("2fa/", security_views.two_factor, name="2fa"),
    path("password/", security_views.PasswordChange.as_view(), name="password-change"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/<int:pk>/read/", inbox.mark_read, name="inbox-read"),
    path("audit/", security_views.audit_log, name="audit-log"),
    path("security/users/", security_views.security_users, name="security-users"),
    path(
        "security/users/<int:pk>/end-sessions/",
        security_views.end_user_sessions,
        name="security-end-sessions",
    ),
    path("security/users/<int:pk>/unlock/", security_views.unlock_user, name="security-unlock"),
    path("security/users/<int:pk>/active/", security_views.set_user_active, name="security-active"),
]
