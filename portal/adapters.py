from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.stages import EmailVerificationStage as AllauthEmailVerificationStage
from allauth.account.stages import PhoneVerificationStage as AllauthPhoneVerificationStage
from allauth.core import context
from allauth.core.internal.ratelimit import get_ip
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import phones, sms


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
    """Keeps allauth's behaviour, except whose failed logins are counted together, and
    gives allauth's phone support its storage (`User.phone` + `User.phone_verified`) and
    its text messages (portal.sms)."""

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
        login = credentials.get("email", credentials.get("username", credentials.get("phone", "")))
        return f"{site.domain}:{(login or '').lower()}:{get_ip(request)}"

    def save_user(self, request, user, form, commit=True):
        """An account signed up without an email address stores none (NULL), not "": the
        address is unique, and every phone-only account would share the empty one."""
        user = super().save_user(request, user, form, commit=False)
        if not user.email:
            user.email = None
        if commit:
            user.save()  # with the number allauth's set_phone put on it, unverified
        return user

    def get_login_stages(self) -> list[str]:
        return [STAGES.get(stage, stage) for stage in super().get_login_stages()]

    # --- Mobile numbers (allauth's phone support) ---------------------------------------
    # Kept as 11 national digits in User.phone; `phone_verified` once its code was typed.
    # Only a verified number signs in or counts as taken: a number typed at an abandoned
    # sign-up is nobody's, so nobody can squat a neighbour's number.

    def phone_form_field(self, **kwargs):
        kwargs.pop("label", None)  # allauth's "Phone": ours says which numbers work
        return phones.MobileField(**kwargs)

    def clean_phone(self, phone: str) -> str:
        return phones.mainland_mobile(phone)

    def get_phone(self, user):
        if not getattr(user, "phone", ""):
            return None
        return user.phone, bool(user.phone_verified)

    def set_phone(self, user, phone: str, verified: bool) -> None:
        user.phone = phones.normalise_or_none(phone) or phone
        user.phone_verified = verified
        if user.pk is None:  # at sign-up, before the account is saved
            return
        if verified:
            self._release_unverified_copies(user)
        user.save(update_fields=["phone", "phone_verified"])

    def set_phone_verified(self, user, phone: str) -> None:
        self.set_phone(user, phone, True)

    def get_user_by_phone(self, phone: str):
        from .models import User

        number = phones.normalise_or_none(phone)
        if not number:
            return None
        return User.objects.filter(phone=number, phone_verified=True).first()

    @staticmethod
    def _release_unverified_copies(user) -> None:
        """The number belongs to whoever proved they hold it: other accounts that merely
        typed it (an abandoned sign-up, a typo) lose it."""
        from .middleware import forget_cached_user
        from .models import User

        others = User.objects.filter(phone=user.phone, phone_verified=False).exclude(pk=user.pk)
        for pk in others.values_list("pk", flat=True):
            forget_cached_user(pk)  # an update() sends no post_save
        others.update(phone="")

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs) -> None:
        # Sign-up and sign-in codes live equally long (settings: 10 minutes).
        minutes = max(1, account_settings.PHONE_VERIFICATION_TIMEOUT // 60)
        with translation.override(getattr(user, "language", "") or translation.get_language()):
            text = gettext(
                "Your Community Hall code is %(code)s. It is valid for %(minutes)s "
                "minutes and works once. Never tell it to anyone, not even staff."
            ) % {"code": code, "minutes": minutes}
        sms.send_sms(phone, text, template="code", params={"code": code})

    def send_account_already_exists_sms(self, phone: str) -> None:
        """At a sign-up with a number (or username, or email address) that already has an
        account: the page says what it says for a new one; the number is told here."""
        owner = getattr(context.request, "portal_username_owner", None)
        if owner is not None:
            text = gettext(
                "Someone signed up on the Community Hall with this number and a username "
                "that is taken. No account was made: if it was you, sign up again with "
                "another username."
            )
            self._tell_username_owner(owner, phone)
        else:
            text = gettext(
                "Someone tried to sign up on the Community Hall with this number, but an "
                "account already exists. If it was you, sign in with a code sent to this "
                "number. If not, ignore this message."
            )
        sms.send_sms(phone, text)

    def _tell_username_owner(self, owner, phone: str) -> None:
        if owner.email:
            from allauth.account.internal import flows

            ctx = {
                "signup_url": flows.signup.get_signup_url(context.request),
                "password_reset_url": flows.password_reset.get_reset_password_url(context.request),
            }
            self.send_mail("account/email/username_claimed", owner.email, ctx)
        elif owner.phone_verified and owner.phone != phone:
            with translation.override(owner.language or settings.LANGUAGE_CODE):
                text = gettext(
                    "Someone tried to sign up on the Community Hall with your username. "
                    "Your account is unchanged."
                )
            sms.send_sms(owner.phone, text)

    def send_unknown_account_sms(self, phone: str, **kwargs) -> None:
        from allauth.account.internal import flows

        text = gettext(
            "Someone asked for a Community Hall sign-in code for this number, but no "
            "account uses it. To make one, open %(url)s"
        ) % {"url": flows.signup.get_signup_url(context.request)}
        sms.send_sms(phone, text)

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


class EmailVerificationStage(AllauthEmailVerificationStage):
    """allauth's mandatory email verification, waived for an account whose mobile number is
    verified: such an account may have no email address at all, and the texted code has
    already shown that its holder is who signs in.  An account with an email address and
    no verified number still cannot sign in before the address is verified."""

    def handle(self):
        from .models import User

        user = self.login.user
        # From the database: the phone stage before this one may just have verified it.
        if user is not None and User.objects.filter(pk=user.pk, phone_verified=True).exists():
            self.login.email_verification = account_settings.EmailVerificationMethod.OPTIONAL
            if not self.login.email and not user.email:
                return None, True
        return super().handle()


class PhoneVerificationStage(AllauthPhoneVerificationStage):
    """allauth asks for the code of an unverified number at every sign-in; ours only at
    sign-up.  A number added later and never verified (a typo, a phone since lost) must
    not lock its owner out of an account they reach by password or email: it just stays
    unverified (no sign-in, no texts with it) until they verify it from their page."""

    def handle(self):
        if self.login.user is not None and not self.login.signup:
            return None, True
        return super().handle()


STAGES = {
    "allauth.account.stages.PhoneVerificationStage": "portal.adapters.PhoneVerificationStage",
    "allauth.account.stages.EmailVerificationStage": "portal.adapters.EmailVerificationStage",
}


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
