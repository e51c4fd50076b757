"""`districtops` — the platform's command line: manage.py under a name of its own."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "districtops.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["districtops", *sys.argv[1:]])


if __name__ == "__main__":
    main()
