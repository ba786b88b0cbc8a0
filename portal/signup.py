"""Sign-up that does not reveal which usernames (mobile numbers) have accounts.

allauth's enumeration prevention covers the email address: a used address gets the same
answer as a new one, and the mail goes to that address.  A used username was refused
with "a user with this username already exists", so typing mobile numbers as usernames
told anyone which numbers had accounts.  Here a used username gets the same answer as a
new one too ("check your email"), no account is made, the address typed is told by mail
to choose another username, and the username's owner is told someone tried.
"""

from allauth.account.adapter import get_adapter
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.internal.userkit import filter_users_by_username


class SignupForm(AllauthSignupForm):
    username_owner = None

    def clean_username(self) -> str:
        value = self.cleaned_data["username"]
        # The format rules only (shallow): whether it is taken is not told here.
        value = get_adapter().clean_username(value, shallow=True)
        self.username_owner = filter_users_by_username(value).first()
        return value

    def try_save(self, request):
        if self.username_owner is not None and not self.account_already_exists:
            # allauth's own enumeration-prevention answer, as for a used email address;
            # the adapter sends the username mails instead of "account exists".
            request.portal_username_owner = self.username_owner
            self.account_already_exists = True
        return super().try_save(request)
