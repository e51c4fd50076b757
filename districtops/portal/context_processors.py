from django.conf import settings

from districtops.core import clock

from .navigation import menu_for


def platform(request):
    user = getattr(request, "user", None)
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "business_today": clock.today(),
        "clock_pinned": clock.is_pinned(),
        "nav_menu": menu_for(user) if user is not None and user.is_authenticated else [],
    }
