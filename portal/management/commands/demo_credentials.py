"""Print every demo login, grouped by role, with the address the site is served on."""

from django.core.management.base import BaseCommand
from django.utils import translation

from portal.demo import DEMO_PASSWORD, PEOPLE, SHOWCASE
from portal.models import Role

# The order a newcomer reads them in: who runs the site, who serves, who takes part.
ROLE_ORDER = [
    Role.SITE_ADMIN,
    Role.COMMITTEE,
    Role.GRID_WORKER,
    Role.DEPARTMENT,
    Role.VOLUNTEER,
    Role.RESIDENT,
]


def grouped_people() -> dict[str, list[tuple[str, str, str]]]:
    """{role: [(username, display name, where)]} for every demo account, each person under
    every role they hold; people with no staff role and a home grid are residents (a
    `pending:` home makes a resident awaiting confirmation)."""
    groups: dict[str, list[tuple[str, str, str]]] = {role: [] for role in ROLE_ORDER}
    for username, display, _email, _phone, roles, home in PEOPLE:
        areas_by_role: dict[str, list[str]] = {}
        for role, area, _org in roles:
            areas_by_role.setdefault(role, []).append(area)
        for role, areas in areas_by_role.items():
            groups[role].append((username, display, ", ".join(areas)))
        if home and not roles:
            pending = home.startswith("pending:")
            where = home.removeprefix("pending:") + (" (pending)" if pending else "")
            groups[Role.RESIDENT].append((username, display, where))
    return groups


class Command(BaseCommand):
    help = "Print the demo logins (after load_demo), grouped by role."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args, host, port, **options):
        base = f"http://{host}:{port}"
        lines = [
            "",
            f"Site: {base}/   Wagtail admin: {base}/admin/",
            f"Demo logins (password for all: {DEMO_PASSWORD})",
        ]
        with translation.override("zh-hans"):
            for role, people in grouped_people().items():
                if not people:
                    continue
                lines.append(f"  {Role(role).label} ({role}):")
                for username, display, where in people:
                    lines.append(f"    {username:<13} {display}  [{where}]")
        lines.append("Try these (演示场景):")
        groups: dict[str, list[tuple[str, str]]] = {}
        for group, username, what in SHOWCASE:
            groups.setdefault(group, []).append((username, what))
        for group, items in groups.items():
            lines.append(f"  {group}:")
            for username, what in items:
                lines.append(f"    {username:<13} {what}")
        lines.append("")
        self.stdout.write("\n".join(lines))
