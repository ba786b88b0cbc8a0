"""Portal signal handlers: keep a saved language in step with the session cookie."""

from allauth.account.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation


@receiver(user_logged_in)
def apply_saved_language(sender, request, user, **kwargs):
    if user.language:
        translation.activate(user.language)
        request.LANGUAGE_CODE = user.language
