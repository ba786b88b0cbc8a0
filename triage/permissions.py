"""Triage's actions live in portal.permissions.ACTIONS already (triage.report,
triage.report_for_resident, triage.hotline_intake, triage.triage, triage.handle,
triage.supervise, triage.view_dashboard).  Only the export is added here."""

from portal.models import Role
from portal.permissions import register

register("triage.export", [Role.COMMITTEE, Role.DEPARTMENT])
