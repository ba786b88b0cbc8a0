"""Moral-bank permissions.

Every action this app checks (credits.log_hours, verify_hours, redeem, fulfil, manage) is
already in portal.permissions.ACTIONS; staff of a reward's provider organisation may also
fulfil it (credits.services.can_fulfil).  New actions would be registered here with
`portal.permissions.register()`; this module is imported from CreditsConfig.ready().
"""
