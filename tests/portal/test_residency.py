import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from portal import permissions, services
from portal.models import Membership, Role
from tests import factories


@pytest.mark.django_db
def test_declare_then_committee_confirms(tree, committee_member):
    user = factories.UserFactory()
    claim = services.residency_declare(
        user=user, community=tree["community"], grid=tree["grid"], address="3号楼"
    )
    assert claim.status == "pending"
    services.residency_decide(membership=claim, decided_by=committee_member, confirm=True)
    claim.refresh_from_db()
    assert claim.status == "active" and claim.decided_by == committee_member


@pytest.mark.django_db
def test_grid_outside_the_community_is_refused_and_nothing_saved(tree):
    user = factories.UserFactory()
    with pytest.raises(ValidationError):
        services.residency_declare(user=user, community=tree["community"], grid=tree["other_grid"])
    assert not Membership.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_form_shows_translated_error_for_grid_outside_community(client, tree):
    user = factories.UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("portal:residency"),
        {"community": tree["community"].pk, "grid": tree["other_grid"].pk},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    assert "您选择的网格不属于该社区" in response.content.decode()
    assert not Membership.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_nobody_confirms_their_own_residency(tree):
    committee = factories.member(Role.COMMITTEE, tree["community"])
    claim = services.residency_declare(
        user=committee, community=tree["community"], grid=tree["grid"]
    )
    # The no-self-dealing rule of portal.permissions: refused, with its own message.
    with pytest.raises(PermissionDenied) as exc:
        services.residency_decide(membership=claim, decided_by=committee, confirm=True)
    assert str(exc.value) == str(permissions.SELF_DEALING_MESSAGE)
    claim.refresh_from_db()
    assert claim.status == "pending"


@pytest.mark.django_db
def test_committee_of_another_community_cannot_confirm(tree):
    stranger = factories.member(Role.COMMITTEE, tree["other_community"])
    claim = services.residency_declare(
        user=factories.UserFactory(), community=tree["community"], grid=tree["grid"]
    )
    with pytest.raises(PermissionDenied):
        services.residency_decide(membership=claim, decided_by=stranger, confirm=True)


@pytest.mark.django_db
def test_rejection_needs_a_reason_and_a_decided_claim_stays_decided(tree, committee_member):
    claim = services.residency_declare(
        user=factories.UserFactory(), community=tree["community"], grid=tree["grid"]
    )
    with pytest.raises(ValidationError):
        services.residency_decide(membership=claim, decided_by=committee_member, confirm=False)
    services.residency_decide(
        membership=claim, decided_by=committee_member, confirm=False, note="查无此户"
    )
    with pytest.raises(ValidationError):
        services.residency_decide(membership=claim, decided_by=committee_member, confirm=True)


@pytest.mark.django_db
def test_declaring_again_replaces_the_old_claim(tree):
    user = factories.resident(tree["grid"])
    services.residency_declare(
        user=user, community=tree["other_community"], grid=tree["other_grid"]
    )
    live = Membership.objects.filter(user=user, role="resident", status__in=["pending", "active"])
    assert [m.area for m in live] == [tree["other_grid"]]


@pytest.mark.django_db
def test_queue_lists_only_claims_in_my_community_and_hides_phone(client, tree, committee_member):
    mine = factories.UserFactory(phone="13712345678")
    services.residency_declare(
        user=mine, community=tree["community"], grid=tree["grid"], address="5号楼"
    )
    services.residency_declare(
        user=factories.UserFactory(display_name="别的社区居民"),
        community=tree["other_community"],
        grid=tree["other_grid"],
    )
    client.force_login(committee_member)
    body = client.get(reverse("portal:residency_queue")).content.decode()
    assert mine.display_name in body and "5号楼" in body
    assert "别的社区居民" not in body
    assert "13712345678" not in body


@pytest.mark.django_db
def test_queue_is_refused_to_residents(client, resident):
    client.force_login(resident)
    assert client.get(reverse("portal:residency_queue")).status_code == 403


@pytest.mark.django_db
def test_area_tree_keeps_its_shape(tree):
    with pytest.raises(ValidationError):
        services.area_create(parent=tree["community"], kind="street", name="x", code="bad-street")
    with pytest.raises(ValidationError):
        services.area_create(parent=None, kind="district", name="x", code="bad-district")


@pytest.mark.django_db
def test_residency_form_costs_the_same_queries_however_many_areas(client, tree):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(factories.UserFactory())
    client.get(reverse("portal:residency"))  # first use creates site settings, once

    def count():
        with CaptureQueriesContext(connection) as ctx:
            body = client.get(reverse("portal:residency")).content.decode()
        return len(ctx), body

    few, _ = count()
    for i in range(4):
        c = factories.area(tree["street"], "community", f"新社区{i}")
        factories.area(c, "grid", "第一网格")
    client.get(reverse("portal:residency"))  # new community pages refreshed the caches
    many, body = count()
    assert few == many
    assert "市南区八大湖街道新社区3" in body and "市南区八大湖街道新社区3第一网格" in body


@pytest.mark.django_db
def test_queue_rows_are_forms_with_their_own_ids_and_a_refused_row_keeps_its_note(
    client, tree, committee_member, django_assert_max_num_queries
):
    claims = [
        services.residency_declare(
            user=factories.UserFactory(), community=tree["community"], grid=tree["grid"]
        )
        for _ in range(2)
    ]
    client.force_login(committee_member)
    url = reverse("portal:residency_queue")
    client.get(url)
    with django_assert_max_num_queries(12) as few:
        body = client.get(url).content.decode()
    for claim in claims:
        assert f'<label for="note-{claim.pk}">' in body and f'id="note-{claim.pk}"' in body
    first, second = claims
    claims.append(
        services.residency_declare(
            user=factories.UserFactory(), community=tree["community"], grid=tree["grid"]
        )
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)  # one more claim, no more queries
    note = "查无此户" * 51  # over the 200 characters a reason may have
    body = client.post(
        url, {"membership": second.pk, "decision": "reject", "note": note}
    ).content.decode()
    assert f'value="{note}"' in body and f'id="note-{second.pk}_error"' in body
    assert f'id="note-{first.pk}_error"' not in body and body.count(note) == 1
    assert Membership.objects.get(pk=second.pk).status == "pending"
