from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from districtops.accounts import services
from districtops.core.context import acting_context


class Command(BaseCommand):
    help = (
        "Give an account a one-time password (the only way for an administrator's account); prints it once."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        person = get_user_model().objects.filter(username=username).first()
        if person is None:
            raise CommandError(f"没有用户 {username}")
        with acting_context("cli"):
            password = services.reset_password(None, person)
        self.stdout.write(f"one-time password for {username} (must be changed at first login): {password}")
