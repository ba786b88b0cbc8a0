"""Forms of a 私事 referral (issue 10): asking a volunteer, closing it, logging hours."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy

from portal.inputs import validate_date_range

from .models import Referral


class DateInput(forms.DateInput):
    input_type = "date"


class AskHelpForm(forms.Form):
    share_contact = forms.BooleanField(
        label=gettext_lazy("Share my phone and address with this volunteer once they accept"),
        required=False,
    )


class CloseReferralForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Is it solved?"),
        choices=Referral.Outcome.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment (optional)"), max_length=300, required=False
    )


class HelpHoursForm(forms.Form):
    hours = forms.DecimalField(
        label=gettext_lazy("Hours you helped"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("24"),
    )
    service_date = forms.DateField(
        label=gettext_lazy("Day of the help"),
        widget=DateInput,
        required=False,
        validators=[validate_date_range],
    )
    note = forms.CharField(
        label=gettext_lazy("What you did (optional)"), max_length=200, required=False
    )
