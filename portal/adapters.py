from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.core.internal.ratelimit import get_ip
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.utils import translation
from django.utils.translation import gettext_lazy as _


def recipient_language(email: str, user=None) -> str:
    """The language a mail to `email` is written in: the language its account chose
    (`User.language`), else the language of the page the person is using, else the site's
    default (简体中文): allauth renders mails inside the request of whoever triggered them,
    who may not be the recipient (a password reset asked for from another browser)."""
    from .models import User

    if user is None or not getattr(user, "language", ""):
        user = (
            User.objects.filter(emailaddress__email__iexact=email).exclude(language="").first()
            or User.objects.filter(email__iexact=email).exclude(language="").first()
        )
    if user is not None and user.language:
        return user.language
    return translation.get_language() or settings.LANGUAGE_CODE


class AccountAdapter(DefaultAccountAdapter):
    """Keeps allauth's behaviour, except whose failed logins are counted together."""

    def get_login_redirect_url(self, request):
        return super().get_login_redirect_url(request)

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        """Failed logins are counted per (account, client IP), not per account alone.

        allauth counts them per account (the `key` part of ACCOUNT_RATE_LIMITS'
        "login_failed"), and refuses even the right password once the count is used up,
        so anyone could lock anyone out by typing wrong passwords.  With the client's IP
        in the key, wrong passwords from one place throttle that place only (and the
        `ip` part throttles a place across accounts); the owner elsewhere still logs in.
        allauth's `pre_authenticate` and its reset after a password change use this key
        (a private hook: tests/portal/test_login_throttle.py fails if allauth drops it).
        """
        site = get_current_site(request)
        login = credentials.get("email", credentials.get("username", "")).lower()
        return f"{site.domain}:{login}:{get_ip(request)}"

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Every allauth mail (confirmation, password reset, ...) in the recipient's language."""
        with translation.override(recipient_language(email, context.get("user"))):
            super().send_mail(template_prefix, email, context)

    def send_account_already_exists_mail(self, email: str) -> None:
        """At a sign-up with a used username (portal.signup), tell the address typed to
        choose another username and the username's owner that someone tried."""
        owner = getattr(context.request, "portal_username_owner", None)
        if owner is None:
            return super().send_account_already_exists_mail(email)
        from allauth.account.internal import flows

        ctx = {
            "signup_url": flows.signup.get_signup_url(context.request),
            "password_reset_url": flows.password_reset.get_reset_password_url(context.request),
        }
        self.send_mail("account/email/username_taken", email, ctx)
        if owner.email and owner.email.lower() != email.lower():
            self.send_mail("account/email/username_claimed", owner.email, ctx)


class MFAAdapter(DefaultMFAAdapter):
    """allauth's MFA, with a wrong code answered by what to do (allauth says only
    "Incorrect code.", "错误代码。" in 简体中文)."""

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": _(
            "This code is not right. Type the 6 digits your authenticator app shows now "
            "(they change every 30 seconds). If it keeps failing, set your phone's time "
            "to automatic. When signing in you may also type one of your recovery codes."
        ),
    }
