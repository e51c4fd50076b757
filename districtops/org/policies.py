"""Who may grant which role (三员分立): one rule for the forms, the services and the API."""

from django.core.exceptions import ValidationError

from districtops.gate import permissions

from .roles import PRIVILEGED_ROLES, Role


def grantable_roles(actor) -> list[tuple[str, str]]:
    """The (value, label) pairs a person may grant in the UI and API: business roles only, and only
    to a system administrator; None (the server's command line, the demo loader) grants any."""
    if actor is None:
        return list(Role.choices)
    if not permissions.has_role(actor, Role.SYS_ADMIN):
        return []
    return [(value, label) for value, label in Role.choices if value not in PRIVILEGED_ROLES]


def require_grantable(actor, role: str) -> None:
    """Refuse a grant the actor may not make (one rule for forms, services and the API)."""
    if role not in {value for value, _label in grantable_roles(actor)}:
        raise ValidationError(
            {"role": "三员分立：管理员角色和区领导角色不能在平台内授予，须由服务器上的授权命令办理。"}
        )
