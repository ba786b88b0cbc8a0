"""Admin rules: pages under a moderation workflow are published only through it."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from wagtail import hooks

from portal.permissions import is_site_admin


def _must_use_workflow(user, page) -> bool:
    return not is_site_admin(user) and page is not None and page.get_workflow() is not None


@hooks.register("construct_page_action_menu")
def hide_direct_publish(menu_items, request, context):
    page = context.get("page") or context.get("parent_page")
    if _must_use_workflow(request.user, page):
        menu_items[:] = [item for item in menu_items if item.name != "action-publish"]


def _refuse_direct_publish(request, page, explore):
    """A redirect to `explore` if this POST publishes directly under a workflow."""
    if not (
        request.method == "POST"
        and "action-publish" in request.POST
        and _must_use_workflow(request.user, page)
    ):
        return None
    messages.error(
        request,
        _("Pages here are published through the community's review: submit it for moderation."),
    )
    return redirect("wagtailadmin_explore", explore.pk)


@hooks.register("before_edit_page")
def refuse_direct_publish_on_edit(request, page):
    return _refuse_direct_publish(request, page, page.get_parent() if page.depth > 2 else page)


@hooks.register("before_create_page")
def refuse_direct_publish_on_create(request, parent_page, page_class):
    return _refuse_direct_publish(request, parent_page, parent_page)


@hooks.register("before_serve_page")
def allow_anonymous_page_cache(page, request, serve_args, serve_kwargs):
    """Public pages without view restrictions may be served from the anonymous cache."""
    from django.conf import settings

    from portal.pagecache import mark_cacheable

    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return  # never cached: skip the restriction lookup
    if not page.get_view_restrictions().exists():
        mark_cacheable(request)
