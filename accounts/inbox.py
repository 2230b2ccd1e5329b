"""The in-app inbox (站内通知) views: each user sees only their own messages."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .models import Notification
from .paging import Paginator


@login_required
def inbox(request):
    messages = Notification.objects.filter(recipient=request.user)
    page = Paginator(messages, 25).get_page(request.GET.get("page"))
    return render(request, "accounts/inbox.html", {"page_obj": page})


@login_required
@require_POST
def mark_read(request, pk: int):
    note = get_object_or_404(Notification, pk=pk, recipient=request.user)
    if note.read_at is None:
        note.read_at = timezone.now()
        note.save(update_fields=["read_at"])
    target = note.link if note.link and url_has_allowed_host_and_scheme(note.link, None) else None
    return redirect(target or "accounts:inbox")
