from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from organizations.services import staff_create
from organizations.states import Role


class Command(BaseCommand):
    help = "Create a staff account (or reset its password) with a role in one organization."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--org", required=True, help="organization code")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--name", default="", help="full name shown in the admin")

    def handle(self, *args, username, password, org, role, name, **options):
        try:
            user = staff_create(username=username, password=password, org_code=org, role=role, full_name=name)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"{user.username}: {role} @ {org}"))
