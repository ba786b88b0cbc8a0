"""Portal signal handlers: keep a saved language in step with the session cookie."""

from allauth.account.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation


@receiver(user_logged_in)
def apply_saved_language(sender, request, user, **kwargs):
    if user.language:
        translation.activate(user.language)
        request.LANGUAGE_CODE = user.language


# What a public page names a person by (User.public_name): a change to any of these
# drops the shared fragments and cached pages that show it (portal.pagecache).
PUBLIC_NAME_FIELDS = frozenset({"display_name", "first_name", "last_name", "name_style"})


def public_name_changed(sender, instance, created=False, update_fields=None, raw=False, **kw):
    if created or raw:
        return  # a new account has written nothing yet
    if update_fields is not None and not PUBLIC_NAME_FIELDS & set(update_fields):
        return  # last_login, language, elder mode …
    from .pagecache import bump_after_write

    bump_after_write("content")


def _connect():
    from django.contrib.auth import get_user_model
    from django.db.models.signals import post_save

    post_save.connect(
        public_name_changed, sender=get_user_model(), dispatch_uid="pagecache-public-name"
    )


_connect()
