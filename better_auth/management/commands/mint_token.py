from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from better_auth.tokens import mint_token
from better_auth.users import user_id_error

MAX_MINUTES = 60 * 24 * 30


class Command(BaseCommand):
    help = (
        "Print an HS256 access token for USER_ID, signed with BETTER_AUTH_SECRET "
        "(for development and curl; real tokens come from Better Auth)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("user_id", help="The Better Auth user id to put in the token's sub claim.")
        parser.add_argument(
            "--minutes",
            type=int,
            default=60,
            help=f"Lifetime in minutes (1 to {MAX_MINUTES}; default 60).",
        )
        parser.add_argument(
            "--curl",
            metavar="BASE_URL",
            help="Also print example curl commands against BASE_URL (e.g. http://127.0.0.1:8000).",
        )

    def handle(self, *args, user_id: str, minutes: int, curl: str | None, **options) -> None:
        if problem := user_id_error(user_id):
            raise CommandError(problem)
        if not 1 <= minutes <= MAX_MINUTES:
            raise CommandError(f"--minutes must be between 1 and {MAX_MINUTES}.")
        token = mint_token(user_id, minutes=minutes)
        if curl is None:
            self.stdout.write(token)
            return
        tasks_url = f"{curl.rstrip('/')}/api/tasks"
        auth = f'-H "Authorization: Bearer {token}"'
        self.stdout.write(
            f"\nA development token for user {user_id!r}, valid {minutes} minutes:\n\n  {token}\n\n"
            f"List your tasks:\n  curl {auth} {tasks_url}\n\n"
            f"Create one:\n  curl {auth} -H \"Content-Type: application/json\" "
            f"-d '{{\"title\": \"My first task\"}}' {tasks_url}\n"
        )
