from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.template.loader import render_to_string

from accounts.querycache import cached_fragment

from .selectors import dashboard_for
from .todo import cached_todo_html, todo_for

DIRECTORY_CARDS = "home/_directory_cards.html"
TODO_CARD = "home/_todo.html"


@login_required
def home(request):
    """Each role's landing page: what waits for it and what it looks after."""
    user = request.user
    context = dashboard_for(user)
    context["todo_html"] = cached_todo_html(
        user, lambda: render_to_string(TODO_CARD, {"todo": todo_for(user)}, request)
    )
    if "directory_cache_key" in context:
        # The status, recently changed and expiring stations' cards print only directory
        # rows: rendered once per scope, role, day and language (accounts.querycache, dropped
        # by any directory change, like the figures they print).
        stations, variant = context.pop("directory_cache_key")
        context["directory_cards"] = cached_fragment(
            DIRECTORY_CARDS,
            stations,
            variant,
            lambda: render_to_string(DIRECTORY_CARDS, context, request),
        )
    return render(request, "home.html", context)
