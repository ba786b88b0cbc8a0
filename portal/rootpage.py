"""Wagtail's tree root is created by its migrations with the title "Root", which the admin
shows in every breadcrumb and page chooser: on a Chinese site it gets a Chinese title."""

ROOT_TITLE = "全部站点"


def title_the_root_page(sender, **kwargs) -> None:
    """post_migrate: rename the root page while it still has Wagtail's English title
    (a title an administrator chose is kept)."""
    from wagtail.models import Page

    Page.objects.filter(depth=1, title="Root").update(title=ROOT_TITLE, draft_title=ROOT_TITLE)
