from django.apps import AppConfig
from django.utils.translation import pgettext_lazy

from portal.versions import bump_user_versions


class DeliberationConfig(AppConfig):
    name = "deliberation"
    label = "deliberation"
    verbose_name = pgettext_lazy("deliberation", "Deliberation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save
        from taggit.models import TaggedItem

        from . import models, search

        search.register_sources()  # topics, outcomes and sessions in the site search

        # Everything a shared fragment shows (portal.pagecache.shared_fragment): topics and
        # their counts, contributions and their moderation, sessions and their registration
        # counts, polls, outcomes and follow-ups, formats.  Follows, ballots and revisions
        # show only to their own person (or on pages that are not cached).
        for model in (
            models.Format,
            models.Topic,
            models.Support,
            models.Contribution,
            models.ContributionReport,
            models.Session,
            models.Registration,
            models.Poll,
            models.PollOption,
            models.Outcome,
            models.FollowUp,
        ):
            uid = f"delib-version-{model._meta.model_name}"
            post_save.connect(_topics_changed, sender=model, dispatch_uid=f"{uid}-save")
            post_delete.connect(_topics_changed, sender=model, dispatch_uid=f"{uid}-delete")
        m2m_changed.connect(
            _topics_changed, sender=models.Session.topics.through, dispatch_uid="delib-agenda"
        )
        for signal in (post_save, post_delete):  # the person's own home panel
            signal.connect(
                _registration_changed,
                sender=models.Registration,
                dispatch_uid=f"delib-user-registration-{signal is post_save}",
            )
        for model in (models.Support, models.Follow):  # a reader's own state on topic pages
            uid = f"delib-user-{model._meta.model_name}"
            post_save.connect(_own_state_changed, sender=model, dispatch_uid=f"{uid}-save")
            post_delete.connect(_own_state_changed, sender=model, dispatch_uid=f"{uid}-delete")
        m2m_changed.connect(_tags_changed, sender=TaggedItem, dispatch_uid="delib-version-tags")
        from cms.sections import register_section
        from portal.dashboard import register_panel
        from portal.notifications import register_category

        from . import home, selectors, services

        register_category(
            services.CAT_NEW_TOPIC,
            pgettext_lazy("deliberation", "New topic in my community"),
            pgettext_lazy(
                "deliberation",
                "When a neighbour or the committee raises a topic in your community.",
            ),
        )
        register_category(
            services.CAT_TOPIC_UPDATE,
            pgettext_lazy("deliberation", "Topic I follow changed"),
            pgettext_lazy(
                "deliberation",
                "Agenda, decision and follow-up news on topics you raised, support or follow.",
            ),
        )
        register_category(
            services.CAT_REGISTRATION,
            pgettext_lazy("deliberation", "My registration"),
            pgettext_lazy(
                "deliberation", "Registration, waiting list, reminders and check-in for sessions."
            ),
        )
        register_category(
            services.CAT_MODERATION,
            pgettext_lazy("deliberation", "My contribution moderated"),
            pgettext_lazy(
                "deliberation", "When a contribution of yours is hidden, restored or removed."
            ),
        )
        register_panel(
            "deliberation",
            "deliberation/panels/my_activities.html",
            selectors.dashboard_panel,
            order=20,
        )
        register_panel(
            "raise",
            "portal/home/action.html",
            home.raise_action,
            20,
            "home_action",
            versions=home.action_versions,
        )
        register_panel(
            "deliberation",
            "deliberation/home/panel.html",
            home.home_panel,
            20,
            "home",
            versions=home.home_versions,
        )
        register_panel("topics", "portal/home/queue.html", home.agenda_queue, 30, "home_queue")
        register_section(
            "deliberation",
            "deliberation/panels/community_section.html",
            selectors.community_section,
            order=10,
            cache_seconds=60,
            versions=("deliberation",),
        )


def _topics_changed(**kwargs) -> None:
    """Deliberation content was saved or deleted: fragments shared by everyone that list
    or count it (the index, a community's page, a topic's contributions) are drawn again,
    once the write is committed."""
    from portal.pagecache import bump_after_write

    if kwargs.get("raw"):  # fixtures
        return
    bump_after_write("deliberation")


def _own_state_changed(instance=None, raw=False, **kwargs) -> None:
    from portal.pagecache import bump_after_write

    from .selectors import user_version

    if not raw:
        bump_after_write(user_version(instance.user_id))


def _registration_changed(instance=None, raw=False, **kwargs) -> None:
    """A registration was made, cancelled, promoted from the waiting list or checked in
    (every path saves the row): its person's home panel is drawn again."""
    if not raw:
        bump_user_versions("registrations", instance.user_id)


def _tags_changed(instance=None, action="", **kwargs) -> None:
    from .models import Topic

    if isinstance(instance, Topic) and action.startswith("post_"):
        _topics_changed()
