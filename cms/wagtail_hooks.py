"""Admin hooks: a clear refusal of direct publishing under a workflow; the page cache."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from wagtail import hooks


def _refuse(request, explore):
    messages.error(
        request,
        _("Pages here are published through the community's review: submit it for moderation."),
    )
    return redirect("wagtailadmin_explore", explore.pk)


# The rule itself is cms/review.py (the page permission tester every path asks); these
# hooks only turn a forced "publish" into a clear message instead of a silent draft.


@hooks.register("before_edit_page")
def refuse_direct_publish_on_edit(request, page):
    if (
        request.method == "POST"
        and "action-publish" in request.POST
        and not page.permissions_for_user(request.user).can_publish()
    ):
        return _refuse(request, page.get_parent() if page.depth > 2 else page)
    return None


@hooks.register("before_create_page")
def refuse_direct_publish_on_create(request, parent_page, page_class):
    if (
        request.method == "POST"
        and "action-publish" in request.POST
        and not parent_page.permissions_for_user(request.user).can_publish_subpage()
    ):
        return _refuse(request, parent_page)
    return None


@hooks.register("before_serve_page")
def allow_anonymous_page_cache(page, request, serve_args, serve_kwargs):
    """Public pages without view restrictions may be served from the anonymous cache."""
    from django.conf import settings

    from portal.pagecache import mark_cacheable

    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return  # never cached: skip the restriction lookup
    if not page.get_view_restrictions().exists():
        mark_cacheable(request)
