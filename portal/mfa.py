"""Setting up TOTP takes the user back to where they were going.

StaffMFAMiddleware sends staff without a second factor to allauth's activation page with
`?next=` (the staff page they asked for).  allauth's form posts to its own URL without
the `next`, and after activation shows the recovery codes and stops there.  These views
wrap allauth's: the activation page remembers a safe `next` (portal.inputs.safe_next) in
the session; the recovery-codes page, which the user must read once, offers a "continue"
button to it; without new recovery codes the user goes straight there.
"""

from __future__ import annotations

from allauth.mfa.recovery_codes.views import ViewRecoveryCodesView
from allauth.mfa.totp.views import ActivateTOTPView

from .inputs import safe_next

NEXT_KEY = "portal_mfa_next"


def _remember_next(request) -> None:
    target = safe_next(request, request.GET.get("next"), default="")
    if target:
        request.session[NEXT_KEY] = target


class ActivateTOTP(ActivateTOTPView):
    def get(self, request, *args, **kwargs):
        if "next" in request.GET:
            _remember_next(request)
        else:  # opened from the account pages: no journey to resume
            request.session.pop(NEXT_KEY, None)
        return super().get(request, *args, **kwargs)

    def get_success_url(self) -> str:
        target = self.request.session.get(NEXT_KEY)
        if not target or self.did_generate_recovery_codes:
            return super().get_success_url()  # the codes page shows "continue"
        del self.request.session[NEXT_KEY]
        return target


class RecoveryCodes(ViewRecoveryCodesView):
    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        target = self.request.session.pop(NEXT_KEY, None)
        context["continue_url"] = safe_next(self.request, target, default="") if target else ""
        return context


activate_totp = ActivateTOTP.as_view()
view_recovery_codes = RecoveryCodes.as_view()
