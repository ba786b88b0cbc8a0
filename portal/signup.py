"""Sign-up and sign-in that do not reveal which usernames or mobile numbers have accounts,
and that make nothing when a text message cannot be sent.

allauth's enumeration prevention covers the email address and (with its phone support)
the mobile number: a used one gets the same answer as a new one, and the message goes to
that address or number.  A used username was refused with "a user with this username
already exists", so typing mobile numbers as usernames told anyone which numbers had
accounts.  Here a used username gets the same answer as a new one too, no account is
made, the address or number typed is told to choose another username, and the username's
owner is told someone tried (portal.adapters).

A resident signs up with a mainland mobile number, an email address, or both: allauth
lists "email*" (its mandatory email verification requires it) and this form makes the
address optional when a number is given.

When the SMS provider refuses or does not answer (portal.sms.SMSDeliveryError), the
views here roll back what the request wrote (the new account) and tell the person to try
again, instead of a 500 and an account whose number was never texted.
"""

from __future__ import annotations

import functools

from allauth.account.adapter import get_adapter
from allauth.account.forms import RequestLoginCodeForm as AllauthRequestLoginCodeForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.internal.stagekit import clear_login
from allauth.account.internal.userkit import filter_users_by_username
from allauth.account.views import SignupView as AllauthSignupView
from allauth.account.views import change_phone as allauth_change_phone
from allauth.account.views import confirm_login_code as allauth_confirm_login_code
from allauth.account.views import request_login_code as allauth_request_login_code
from allauth.account.views import verify_phone as allauth_verify_phone
from django.contrib import messages
from django.db import transaction
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from .sms import SMSDeliveryError

NOT_SENT = _(
    "We could not send the text message just now, and nothing was saved. "
    "Please try again in a minute."
)


class SignupForm(AllauthSignupForm):
    username_owner = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "email" in self.fields and "phone" in self.fields:
            email = self.fields["email"]
            email.required = False
            email.widget.is_required = False
            email.label = _("Email (optional)")
            email.help_text = _("Give a mobile number, an email address, or both.")

    def clean_username(self) -> str:
        value = self.cleaned_data["username"]
        # The format rules only (shallow): whether it is taken is not told here.
        value = get_adapter().clean_username(value, shallow=True)
        self.username_owner = filter_users_by_username(value).first()
        return value

    def clean(self):
        cleaned = super().clean()
        if "phone" in self.fields and not self.has_error("phone") and not self.has_error("email"):
            if not cleaned.get("phone") and not cleaned.get("email"):
                self.add_error(
                    "phone", _("Give a mobile number or an email address, so we can reach you.")
                )
        return cleaned

    def try_save(self, request):
        if self.username_owner is not None and not self.account_already_exists:
            # allauth's own enumeration-prevention answer, as for a used email address
            # or number; the adapter sends the username messages instead of "account exists".
            request.portal_username_owner = self.username_owner
            self.account_already_exists = True
        return super().try_save(request)


class RequestLoginCodeForm(AllauthRequestLoginCodeForm):
    """allauth's "send me a sign-in code", the mobile number first (most residents have
    one), the email address second, for accounts that have only that."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "phone" in self.fields and "email" in self.fields:
            self.order_fields(["phone", "email"])
            self.fields["email"].label = _("Or an email address")


def _not_sent(request) -> None:
    messages.error(request, NOT_SENT)


class SignupView(AllauthSignupView):
    """allauth's sign-up, in one transaction: if the code cannot be texted, the account
    is not made and the form comes back with what was typed and a "try again"."""

    def form_valid(self, form):
        try:
            with transaction.atomic():
                return super().form_valid(form)
        except SMSDeliveryError:
            clear_login(self.request)
            form.add_error(None, NOT_SENT)
            return self.form_invalid(form)


def sms_failure_means_try_again(view):
    """Wrap an allauth view that texts a code (ask for a sign-in code, resend one, add or
    change a number): a provider error rolls back the request's writes and brings the
    person back to the page with a "try again" message."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            with transaction.atomic():
                return view(request, *args, **kwargs)
        except SMSDeliveryError:
            _not_sent(request)
            return HttpResponseRedirect(request.get_full_path())

    wrapped.__module__ = __name__  # ours: the hostile-input walk covers it
    return wrapped


signup = SignupView.as_view()
request_login_code = sms_failure_means_try_again(allauth_request_login_code)
confirm_login_code = sms_failure_means_try_again(allauth_confirm_login_code)
verify_phone = sms_failure_means_try_again(allauth_verify_phone)
change_phone = sms_failure_means_try_again(allauth_change_phone)
