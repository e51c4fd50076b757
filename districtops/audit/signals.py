"""Logins, logouts and failed logins go to the audit trail (docs/domain.md §7)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    from districtops.accounts.services import register_login

    register_login(user)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    from districtops.accounts.services import register_logout

    if user is not None:
        register_logout(user, reason=getattr(request, "logout_reason", ""))


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    from districtops.accounts.services import register_failed_login

    register_failed_login(str(credentials.get("username", ""))[:150])
