from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Keeps allauth's behaviour; the place to hook phone-number rules later."""

    def get_login_redirect_url(self, request):
        return super().get_login_redirect_url(request)
