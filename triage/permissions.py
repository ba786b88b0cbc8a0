"""Triage's actions live in portal.permissions.ACTIONS (triage.report_for_resident,
triage.hotline_intake, triage.triage, triage.handle, triage.supervise,
triage.view_dashboard, triage.export); nothing is added here."""
