from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .selectors import dashboard_for


@login_required
def home(request):
    """Each role's landing page: what waits for it and what it looks after."""
    return render(request, "home.html", dashboard_for(request.user))
