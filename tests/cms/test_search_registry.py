"""The site search's sources are registered by the apps that own them (cms.search_registry):
one per kind once the apps are loaded, and a model no source names is never indexed."""

from __future__ import annotations

import dataclasses

import pytest
from django.core.exceptions import ImproperlyConfigured

from cms import search_documents
from cms.search_models import SearchDocument
from cms.search_registry import register, sources
from deliberation.models import Contribution
from tests.deliberation.factories import topic

Kind = SearchDocument.Kind


def test_every_kind_has_exactly_one_source_after_the_apps_are_loaded():
    registered = [s.kind for s in sources()]
    assert registered == list(Kind.values)  # each once, in the order of the choices
    assert len(search_documents._SOURCES) == len(Kind.values)


def test_each_kind_is_declared_by_the_app_that_owns_its_model():
    declared_by = {s.kind: (s.build.__module__, s.model._meta.label) for s in sources()}
    assert declared_by == {
        Kind.PAGE: ("cms.search_pages", "wagtailcore.Page"),
        Kind.TOPIC: ("deliberation.search", "deliberation.Topic"),
        Kind.OUTCOME: ("deliberation.search", "deliberation.Outcome"),
        Kind.SESSION: ("deliberation.search", "deliberation.Session"),
        Kind.REQUEST: ("triage.search", "triage.Request"),
        Kind.SERVICE: ("triage.search", "triage.ServiceDirectoryEntry"),
        Kind.REWARD: ("credits.search", "credits.Reward"),
    }


def test_a_second_source_for_a_kind_or_an_unknown_kind_is_refused():
    with pytest.raises(ImproperlyConfigured):
        register(Kind.TOPIC, "deliberation.Contribution", lambda obj: None, lambda: None)
    with pytest.raises(ImproperlyConfigured):
        register("comment", "deliberation.Contribution", lambda obj: None, lambda: None)
    assert search_documents.kind_of(Contribution) is None  # neither left a trace
    assert [s.kind for s in sources()] == list(Kind.values)


@pytest.mark.django_db
def test_an_unregistered_models_save_does_nothing(
    tree, resident, monkeypatch, django_capture_on_commit_callbacks
):
    t = topic(tree["community"], title="路灯")  # no commit: nothing indexed yet

    def never(obj):
        raise AssertionError(f"a builder ran for {obj!r}")

    for kind, source in list(search_documents._SOURCES.items()):
        monkeypatch.setitem(
            search_documents._SOURCES, kind, dataclasses.replace(source, build=never)
        )
    assert search_documents.kind_of(Contribution) is None
    with django_capture_on_commit_callbacks(execute=True):
        contribution = Contribution.objects.create(topic=t, author=resident, text="路灯太暗")
        contribution.text = "路灯还是太暗"
        contribution.save()
        tree["grid"].name = "路灯网格"  # an area is not searched either
        tree["grid"].save()
        search_documents.refresh(contribution)
    assert not SearchDocument.objects.exists()
