from django.db.models.signals import post_save
from django.dispatch import receiver

from portal.models import Area, Membership, Role

from . import services


@receiver(post_save, sender=Area)
def community_created(sender, instance: Area, created: bool, raw: bool = False, **kwargs):
    if created and not raw and instance.kind == Area.Kind.COMMUNITY:
        services.community_site_setup(area=instance)


@receiver(post_save, sender=Membership)
def committee_membership_changed(sender, instance: Membership, raw: bool = False, **kwargs):
    if not raw and instance.role == Role.COMMITTEE:
        services.sync_committee_groups(instance.user)


def _connect_cache_invalidation():
    from wagtail.signals import page_published, page_unpublished

    from portal.pagecache import bump_content_version

    page_published.connect(bump_content_version, dispatch_uid="pagecache-published")
    page_unpublished.connect(bump_content_version, dispatch_uid="pagecache-unpublished")
    from .models import SiteSettings

    def settings_saved(sender, instance, created, **kwargs):
        if not created:  # the default row Wagtail makes on first use changes nothing shown
            bump_content_version()

    post_save.connect(
        settings_saved, sender=SiteSettings, dispatch_uid="pagecache-settings", weak=False
    )
    from django.db.models.signals import post_delete
    from wagtail.models import Site

    post_save.connect(bump_content_version, sender=Site, dispatch_uid="pagecache-site-saved")
    post_delete.connect(bump_content_version, sender=Site, dispatch_uid="pagecache-site-deleted")
    # Cached routes (cms.sites.serve) hold a page and its view restrictions: a restriction
    # added or removed, or a page moved or deleted, is seen at once.
    from wagtail.models import Page, PageViewRestriction
    from wagtail.signals import page_slug_changed, post_page_move

    for signal in (post_save, post_delete):
        signal.connect(
            bump_content_version,
            sender=PageViewRestriction,
            dispatch_uid=f"pagecache-restriction-{signal is post_save}",
        )
    post_delete.connect(bump_content_version, sender=Page, dispatch_uid="pagecache-page-deleted")
    post_page_move.connect(bump_content_version, dispatch_uid="pagecache-page-moved")
    page_slug_changed.connect(bump_content_version, dispatch_uid="pagecache-page-slug")


_connect_cache_invalidation()
