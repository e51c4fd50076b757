from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from districtops.accounts.services import create_token
from districtops.core.context import acting_context


class Command(BaseCommand):
    help = "Create a personal API token for USERNAME and print it (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="script")
        parser.add_argument("--expires-days", type=int, default=None)

    def handle(self, *args, username, name, expires_days, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no such user: {username}")
        with acting_context("cli"):
            _token, secret = create_token(None, user, name=name, expires_days=expires_days)
        self.stdout.write(secret)
