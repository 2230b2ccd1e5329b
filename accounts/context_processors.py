from .roles import Role


def role(request):
    user = getattr(request, "user", None)
    return {"Role": Role, "user_role": getattr(user, "role", "") if user else ""}
