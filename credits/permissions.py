"""Moral-bank actions beyond those portal.permissions already lists."""

from portal.models import Role
from portal.permissions import register

# Seeing a community's open redemptions and the verification queue.
register("credits.view_queue", {Role.COMMITTEE})
