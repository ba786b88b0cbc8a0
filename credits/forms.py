from django import forms
from django.utils.translation import gettext_lazy as _

from portal.inputs import validate_date_range
from portal.models import Area, Membership, User
from portal.scoping import area_q
from portal.uploads import clean_image


class DateInput(forms.DateInput):
    input_type = "date"


class TimeInput(forms.TimeInput):
    input_type = "time"


class CommunityChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_label", None)  # most people serve in one community
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return obj.name


def communities_qs(roots):
    """The communities in or above `roots` (a grid's membership counts in its community)."""
    paths = [
        root.path[: 4 * root.steplen] if root.kind == Area.Kind.GRID else root.path
        for root in roots
    ]
    return Area.objects.filter(area_q(paths), kind=Area.Kind.COMMUNITY).order_by("path")


class ServiceLogForm(forms.Form):
    community = CommunityChoiceField(label=_("Community"), queryset=Area.objects.none())
    date = forms.DateField(label=_("Date"), widget=DateInput, validators=[validate_date_range])
    start = forms.TimeField(label=_("Start"), widget=TimeInput)
    end = forms.TimeField(label=_("End"), widget=TimeInput)
    activity = forms.CharField(label=_("Activity"), max_length=120)
    place = forms.CharField(label=_("Place"), max_length=120)
    description = forms.CharField(
        label=_("What you did"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}
        ),
    )

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = (
            communities if communities is not None else Area.objects.none()
        )

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        return clean_image(photo) if photo else None


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class BulkRecordForm(forms.Form):
    community = CommunityChoiceField(label=_("Community"), queryset=Area.objects.none())
    attendees = forms.ModelMultipleChoiceField(
        label=_("Attendees"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    date = forms.DateField(label=_("Date"), widget=DateInput, validators=[validate_date_range])
    start = forms.TimeField(label=_("Start"), widget=TimeInput)
    end = forms.TimeField(label=_("End"), widget=TimeInput)
    activity = forms.CharField(label=_("Activity"), max_length=120)
    place = forms.CharField(label=_("Place"), max_length=120)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        communities = communities if communities is not None else Area.objects.none()
        self.fields["community"].queryset = communities
        self.fields["attendees"].queryset = (
            User.objects.filter(
                area_q(communities, "memberships__area__path"),
                memberships__status=Membership.Status.ACTIVE,
                memberships__role__in=["resident", "volunteer"],
                is_active=True,
            )
            .distinct()
            .order_by("display_name", "pk")
        )
        self.fields["attendees"].label_from_instance = lambda u: u.get_full_name()


class FulfilForm(forms.Form):
    community = CommunityChoiceField(label=_("Community"), queryset=Area.objects.none())
    code = forms.CharField(
        label=_("Pickup code"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = (
            communities if communities is not None else Area.objects.none()
        )


class VerifyChoiceForm(forms.Form):
    """One pending log's box in the verification queue: name "log", value the log's id,
    id log-<pk>, labelled with the volunteer's name.  Display only: the queue's POST is read
    by `VerifyForm` (the ticked ids) so many rows can share the name."""

    log = forms.BooleanField(required=False)

    def __init__(self, log, ticked=False, **kwargs):
        kwargs.setdefault("auto_id", f"%s-{log.pk}")
        super().__init__(initial={"log": ticked}, **kwargs)
        field = self.fields["log"]
        field.label = log.volunteer.get_full_name()
        name_and_date = f"{field.label} {log.date:%Y-%m-%d}"
        field.widget.attrs.update({"value": log.pk, "aria-label": name_and_date})


class VerifyForm(forms.Form):
    """The reason typed under the queue (for a rejection); the ticked logs are read by the
    view from the queue itself."""

    reason = forms.CharField(label=_("Reason (for rejection)"), max_length=200, required=False)


class RevokeForm(ReasonForm):
    """Revoking one recently verified log: ids rv-<pk> so each row's field is its own."""

    def __init__(self, log, **kwargs):
        kwargs.setdefault("auto_id", f"rv-{log.pk}-%s")
        super().__init__(**kwargs)
