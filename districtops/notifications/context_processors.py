from .services import unread_count


def unread(request):
    """The navbar badge: the person's unread notifications (one indexed count per page)."""
    return {"notifications_unread": unread_count(getattr(request, "user", None))}
