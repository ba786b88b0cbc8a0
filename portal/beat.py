"""Periodic tasks of the portal app (see credits/beat.py for the convention)."""

SCHEDULE: dict = {}
