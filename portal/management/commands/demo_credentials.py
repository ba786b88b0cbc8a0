from django.core.management.base import BaseCommand

from portal.demo import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Print the demo logins (after load_demo)."

    def handle(self, *args, **options):
        self.stdout.write(
            "\n".join(
                [
                    "",
                    f"Demo logins (password for all: {DEMO_PASSWORD})",
                    "  admin        site administrator — Wagtail admin at http://127.0.0.1:8000/admin/",
                    "  13800000001  张丽, 新湛社区 committee member",
                    "  13800000003  李娜, grid worker",
                    "  hotline01    12345 hotline operator",
                    "  chengguan01  市南区城市管理局 staff",
                    "  13900000001  陈阿姨, resident and volunteer",
                    "",
                ]
            )
        )
