from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services


@login_required
def notification_list(request):
    qs = services.inbox(request.user)
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {"page": page, "unread_only": unread_only, "unread": services.unread_count(request.user)},
    )


@login_required
def notification_open(request, pk):
    """Follow a notification: it becomes read, and the person lands on what it is about."""
    note = get_object_or_404(services.inbox(request.user), pk=pk)
    services.mark_read(request.user, [note.pk])
    return redirect(note.url or "notifications:list")


@login_required
@require_POST
def mark_all_read(request):
    n = services.mark_read(request.user)
    messages.success(request, _("已将 %(n)d 条通知标为已读。") % {"n": n})
    return redirect("notifications:list")
