from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from districtops.core.context import acting_context
from districtops.org import services
from districtops.org.models import Unit
from districtops.org.roles import Role


class Command(BaseCommand):
    help = (
        "Grant a role on the server (三员分立: administrator roles and 区领导 are never granted in the UI). "
        "Audited as the command line's; the person must change the password at first login."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("unit", help="the unit's division code (e.g. 410104) or its exact name")
        parser.add_argument("role", choices=[r.value for r in Role])
        parser.add_argument("--title", default="")

    def handle(self, *args, username, unit, role, title, **options):
        person = get_user_model().objects.filter(username=username).first()
        if person is None:
            raise CommandError(f"没有用户 {username}")
        target = Unit.objects.filter(division_code=unit).first() or Unit.objects.filter(name=unit).first()
        if target is None:
            raise CommandError(f"没有单位 {unit}")
        try:
            with acting_context("cli"):
                services.add_membership(None, person=person, unit=target, role=role, title=title)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(f"granted {Role(role).label} in {target} to {username}")
