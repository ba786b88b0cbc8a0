"""Portal signal handlers: keep a saved language in step with the session cookie."""

from allauth.account.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation

from .versions import bump_user_versions


@receiver(user_logged_in)
def apply_saved_language(sender, request, user, **kwargs):
    if user.language:
        translation.activate(user.language)
        request.LANGUAGE_CODE = user.language


def public_name_changed(sender, instance, created=False, raw=False, **kwargs):
    """A person's public name changed: drop the shared fragments and cached pages that
    show it (portal.pagecache).  Compared with what was read (User.from_db) or last
    saved, so a password change, a login or a preference saves nothing here."""
    before = getattr(instance, "_public_name_read", None)
    now = instance.public_name_snapshot()
    instance._public_name_read = now
    if created or raw or before == now:
        return  # a new account has written nothing yet
    from .versions import bump_after_write

    bump_after_write("content")


def user_changed(sender, instance, **kwargs):
    """The signed-in user is read from the cache (portal.middleware.cached_user): any save
    or delete of the row drops it."""
    from .middleware import forget_cached_user

    forget_cached_user(instance.pk)
    # Whether they are active or a superuser decides what their home panels offer.
    bump_user_versions("memberships", instance.pk)


def membership_changed(sender, instance, **kwargs):
    from .permissions import forget_shared_memberships

    forget_shared_memberships(instance.user_id)


def places_changed(sender, raw=False, **kwargs):
    """An area or organisation (named in cached memberships) changed."""
    if raw:
        return
    from .versions import bump_after_write

    bump_after_write("areas")


def _connect():
    from django.contrib.auth import get_user_model
    from django.db.models.signals import post_delete, post_save

    user_model = get_user_model()
    post_save.connect(public_name_changed, sender=user_model, dispatch_uid="pagecache-public-name")
    post_save.connect(user_changed, sender=user_model, dispatch_uid="usercache-saved")
    post_delete.connect(user_changed, sender=user_model, dispatch_uid="usercache-deleted")
    from .models import Area, Membership, Organisation

    for signal in (post_save, post_delete):
        name = "saved" if signal is post_save else "deleted"
        signal.connect(membership_changed, sender=Membership, dispatch_uid=f"mcache-{name}")
        for model in (Area, Organisation):
            uid = f"mcache-{model._meta.model_name}-{name}"
            signal.connect(places_changed, sender=model, dispatch_uid=uid)


_connect()
