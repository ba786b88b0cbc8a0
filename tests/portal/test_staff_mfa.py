"""Issue 9, finding 5: no staff surface without TOTP, and no Django admin at all."""

import pytest

from tests import factories


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/django-admin/", "/django-admin/portal/membership/add/"])
def test_the_django_admin_is_not_mounted(client, path):
    from allauth.mfa.models import Authenticator

    user = factories.UserFactory(is_superuser=True, is_staff=True)
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(user)
    assert client.get(path).status_code == 404


def test_django_admin_is_not_installed(settings):
    assert "django.contrib.admin" not in settings.INSTALLED_APPS


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/admin/", "/admin/pages/", "/admin/deliberation/", "/admin/snippets/credits/reward/"],
)
def test_staff_without_totp_is_sent_to_mfa_setup_on_admin_paths(client, tree, path):
    member = factories.member("committee", tree["community"])
    client.force_login(member)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/totp/activate/")


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["superuser", "site_admin"])
@pytest.mark.parametrize("path", ["/me/", "/triage/dashboard/", "/credits/verify/", "/"])
def test_site_wide_staff_without_totp_is_sent_to_mfa_setup_everywhere(client, tree, who, path):
    if who == "superuser":
        user = factories.UserFactory(is_superuser=True, is_staff=True)
    else:
        user = factories.member("site_admin", tree["city"])
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/totp/activate/")
    # The set-up page itself stays reachable (allauth may ask for the password first).
    setup = client.get("/accounts/2fa/totp/activate/")
    assert setup.status_code == 200 or setup["Location"].startswith("/accounts/reauthenticate/")


@pytest.mark.django_db
def test_staff_with_totp_passes(client, tree):
    from allauth.mfa.models import Authenticator

    user = factories.UserFactory(is_superuser=True, is_staff=True)
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(user)
    assert client.get("/me/").status_code == 200
