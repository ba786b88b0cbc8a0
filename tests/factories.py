"""Factories and builders shared by every test (one place, as the style guide asks)."""

from __future__ import annotations

import itertools

import factory

from portal import services as portal_services
from portal.models import Area, Membership, Organisation, Role, User

_seq = itertools.count(1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.cn")
    display_name = factory.Sequence(lambda n: f"居民{n}")
    password = factory.PostGenerationMethodCall("set_password", "pass-Word-2026")

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


def area(parent: Area | None, kind: str, name: str | None = None) -> Area:
    n = next(_seq)
    return portal_services.area_create(
        parent=parent, kind=kind, name=name or f"{kind}{n}", code=f"{kind}-{n}"
    )


def city_tree(name: str = "青岛市") -> dict[str, Area]:
    """A city with one district, street, two communities and two grids each."""
    city = area(None, Area.Kind.CITY, name)
    district = area(city, Area.Kind.DISTRICT, "市南区")
    street = area(district, Area.Kind.STREET, "八大湖街道")
    community = area(street, Area.Kind.COMMUNITY, "新湛社区")
    other = area(street, Area.Kind.COMMUNITY, "延安三路社区")
    return {
        "city": city,
        "district": district,
        "street": street,
        "community": community,
        "grid": area(community, Area.Kind.GRID, "第一网格"),
        "grid2": area(community, Area.Kind.GRID, "第二网格"),
        "other_community": other,
        "other_grid": area(other, Area.Kind.GRID, "第一网格"),
    }


def organisation(area: Area, kind: str = Organisation.Kind.COMMITTEE, name: str | None = None):
    return Organisation.objects.create(
        area=area, kind=kind, name=name or f"{area.name}{kind}{next(_seq)}"
    )


def resident(grid: Area, **kwargs) -> User:
    """A confirmed resident of `grid`."""
    user = UserFactory(**kwargs)
    Membership.objects.create(user=user, role=Role.RESIDENT, area=grid, status="active")
    return user


def member(role: str, area: Area, organisation: Organisation | None = None, **kwargs) -> User:
    user = UserFactory(**kwargs)
    portal_services.membership_grant(user=user, role=role, area=area, organisation=organisation)
    return user
