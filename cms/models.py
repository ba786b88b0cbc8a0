"""Wagtail pages: the home page, one page per community, news and standard pages.

Page tree: Root → HomePage → CommunityPage (one per community area, made when the area
is made) → NewsPage / StandardPage / pages other apps add (agendas).  A committee's
Wagtail group may edit only inside its own CommunityPage subtree, and publishes through
that community's moderation workflow (see cms/services.py).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.utils.functional import SimpleLazyObject
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import AbstractGroupApprovalTask, Page
from wagtail.search import index

from portal.dashboard import active_community, home_of, rendered_panels
from portal.elder import elder_home
from portal.forms import SearchForm

from .cjk import index_text
from .review import ReviewedPageMixin, may_approve, may_skip_review
from .search_models import SearchDocument  # noqa: F401  (the site search's index)
from .sections import sections_for


class CJKSearchMixin:
    """Adds the CJK bigrams of `search_text()` to the search index (see cms/cjk.py)."""

    def search_text(self) -> str:
        return self.title

    def search_cjk(self) -> str:
        return index_text(self.search_text())


CJK_SEARCH_FIELDS = [index.SearchField("search_cjk"), index.AutocompleteField("search_cjk")]


def _plain(html: str) -> str:
    return strip_tags(html or "")


class HomePage(ReviewedPageMixin, CJKSearchMixin, Page):
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("hero image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",  # images do not need to know which home page shows them
    )

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("hero_image")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), *CJK_SEARCH_FIELDS]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["cms.CommunityPage", "cms.NewsPage", "cms.StandardPage"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def search_text(self) -> str:
        return f"{self.title} {_plain(self.intro)}"

    def get_template(self, request, *args, **kwargs):
        # 长辈版: its own home of large task tiles (portal/elder.py).
        if getattr(request, "elder_mode", False):
            return "portal/elder_home.html"
        return super().get_template(request, *args, **kwargs)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        if getattr(request, "elder_mode", False):
            hotline = SiteSettings.for_request(request).hotline
            context.update(elder_home(request, hotline=hotline))
            return context
        # Lazy: Wagtail's .public() queries as soon as it is called, and the template
        # usually serves these lists from its fragment cache without touching them.
        context["news"] = SimpleLazyObject(lambda: list(NewsPage.latest(limit=6)))
        context["search_form"] = SearchForm(auto_id="home-%s")
        context["communities"] = SimpleLazyObject(
            lambda: list(
                CommunityPage.objects.live().public().select_related("area").order_by("area__path")
            )
        )
        if request.user.is_authenticated:
            context.update(self.personal_context(request))
        return context

    @staticmethod
    def personal_context(request) -> dict:
        """What a signed-in person's home page adds: their residency, their main actions,
        their queues and panels, each registered by the app that owns it (see
        portal/dashboard.py; those that declare versions come rendered, from the cache on a
        repeat visit).  Never computed for anonymous visitors, whose page the anonymous
        page cache shares."""
        community = active_community(request)
        shown = rendered_panels(request, "home_action", "home_queue", "home")
        return {
            "home": home_of(request),
            "home_page": community_page_of(community) if community else None,
            "actions": shown["home_action"],
            "queues": shown["home_queue"],
            "panels": shown["home"],
        }


class CommunityPage(ReviewedPageMixin, CJKSearchMixin, Page):
    """The public front page of one community (社区), owned by its committee."""

    area = models.OneToOneField(
        "portal.Area",
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="page",
        limit_choices_to={"kind": "community"},
    )
    intro = RichTextField(_("introduction"), blank=True)
    office_address = models.CharField(_("committee office address"), max_length=200, blank=True)
    office_hours = models.CharField(_("office hours"), max_length=100, blank=True)
    office_phone = models.CharField(_("office phone"), max_length=30, blank=True)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("image"),
        MultiFieldPanel(
            [FieldPanel("office_address"), FieldPanel("office_hours"), FieldPanel("office_phone")],
            heading=_("Committee office"),
        ),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro"), *CJK_SEARCH_FIELDS]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.NewsPage", "cms.StandardPage", "deliberation.AgendaPage"]

    class Meta:
        verbose_name = _("community page")

    def search_text(self) -> str:
        return f"{self.title} {_plain(self.intro)} {self.office_address}"

    def get_children_for_listing(self):
        return NewsPage.objects.live().public().descendant_of(self).order_by("-date")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["news"] = SimpleLazyObject(
            lambda: Paginator(self.get_children_for_listing().select_related("image"), 10).get_page(
                request.GET.get("page")
            )
        )
        context["grids"] = SimpleLazyObject(lambda: list(self.area.get_children()))
        context["sections"] = SimpleLazyObject(lambda: sections_for(request, self.area))
        return context


def community_page_of(community):
    """The live page of a community, kept until a page is published or unpublished."""
    from portal.pagecache import shared_data

    return shared_data(
        "community-page",
        lambda: {"page": CommunityPage.objects.live().filter(area=community).first()},
        parts=(community.pk,),
        versions=("content", "areas"),
    )["page"]


class NewsPage(ReviewedPageMixin, CJKSearchMixin, Page):
    date = models.DateField(_("date"))
    intro = models.CharField(_("summary"), max_length=250, blank=True)
    body = RichTextField(_("body"))
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("date"),
        FieldPanel("intro"),
        FieldPanel("image"),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
        index.FilterField("date"),
        *CJK_SEARCH_FIELDS,
    ]
    parent_page_types = ["cms.HomePage", "cms.CommunityPage"]
    subpage_types: list[str] = []

    @classmethod
    def latest(cls, *, limit: int = 6):
        """The newest live public news, with their images, for the home page."""
        return cls.objects.live().public().select_related("image").order_by("-date", "-pk")[:limit]

    class Meta:
        verbose_name = _("news page")

    def search_text(self) -> str:
        return f"{self.title} {self.intro} {_plain(self.body)}"


class StandardPage(ReviewedPageMixin, CJKSearchMixin, Page):
    intro = models.CharField(_("summary"), max_length=250, blank=True)
    body = RichTextField(_("body"))

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
        *CJK_SEARCH_FIELDS,
    ]
    parent_page_types = ["cms.HomePage", "cms.CommunityPage", "cms.StandardPage"]

    class Meta:
        verbose_name = _("standard page")

    def search_text(self) -> str:
        return f"{self.title} {self.intro} {_plain(self.body)}"


@register_setting(icon="cog")
class SiteSettings(BaseSiteSetting):
    hotline = models.CharField(_("hotline number"), max_length=30, default="12345")
    footer = models.TextField(_("footer text"), blank=True)
    icp_number = models.CharField(_("ICP filing number"), max_length=50, blank=True)

    panels = [FieldPanel("hotline"), FieldPanel("footer"), FieldPanel("icp_number")]

    class Meta:
        verbose_name = _("site settings")


class PeerApprovalTask(AbstractGroupApprovalTask):
    """A group approval in which nobody approves their own work.

    Committee members review each other's pages: neither the member who submitted a page
    for moderation nor the author of the revision under review sees an approve action on
    it, and the task refuses it if forced (cms/review.py checks it again on publishing).
    """

    @staticmethod
    def _may_approve(obj, user) -> bool:
        state = getattr(obj, "current_workflow_state", None)
        if state is None:
            return True
        task_state = state.current_task_state
        revision = task_state.revision if task_state else None
        return may_approve(
            user,
            submitter_id=state.requested_by_id,
            author_id=revision.user_id if revision else None,
        )

    def get_actions(self, obj, user):
        if not self._may_approve(obj, user):
            return []
        return super().get_actions(obj, user)

    def get_task_states_user_can_moderate(self, user, **kwargs):
        states = super().get_task_states_user_can_moderate(user, **kwargs)
        if may_skip_review(user):
            return states
        return states.exclude(workflow_state__requested_by=user).exclude(revision__user=user)

    def on_action(self, task_state, user, action_name, **kwargs):
        state = task_state.workflow_state
        if action_name == "approve" and not may_approve(
            user,
            submitter_id=state.requested_by_id,
            author_id=task_state.revision.user_id if task_state.revision else None,
        ):
            raise PermissionDenied(_("Nobody can approve their own submission."))
        return super().on_action(task_state, user, action_name, **kwargs)

    @classmethod
    def get_description(cls):
        return _("Members of the chosen groups approve; never the member who submitted.")

    class Meta:
        verbose_name = _("peer approval task")
        verbose_name_plural = _("peer approval tasks")
