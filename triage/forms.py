from django import forms
from django.utils.translation import gettext_lazy as _

from portal.models import Area, Organisation
from portal.uploads import clean_image

from .models import MAX_PHOTOS, MAX_TEXT, Request, RequestClass, ServiceType


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Up to nine photos, each decoded and re-encoded by `portal.uploads.clean_image`:
    the cleaned value is the list of clean images, never the client's files."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(
                _("At most %(n)s photos, please.") % {"n": MAX_PHOTOS}, code="too_many_photos"
            )
        cleaned = []
        for f in files:
            upload = super().clean(f, initial)
            if upload:
                cleaned.append(clean_image(upload))
        return cleaned


class RequestForm(forms.Form):
    text = forms.CharField(
        label=_("What is the matter?"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Say what happened and where. We work out who must act."),
    )
    service_type = forms.ModelChoiceField(
        label=_("Kind of matter (optional)"),
        queryset=ServiceType.objects.filter(is_active=True),
        required=False,
        empty_label=_("I don't know"),
    )
    photos = MultipleImageField(label=_("Photos (up to 9)"))
    address = forms.CharField(label=_("Address or place"), max_length=200, required=False)
    lat = forms.DecimalField(label=_("Latitude"), required=False, max_digits=9, decimal_places=6)
    lon = forms.DecimalField(label=_("Longitude"), required=False, max_digits=9, decimal_places=6)
    contact = forms.ChoiceField(
        label=_("How should we contact you?"),
        choices=Request.Contact.choices,
        initial=Request.Contact.SITE,
    )


class IntakeForm(RequestForm):
    """Grid workers and hotline staff enter a request for a resident."""

    channel = forms.ChoiceField(label=_("Channel"), choices=())
    grid = forms.ModelChoiceField(label=_("Grid"), queryset=Area.objects.none())
    resident_phone = forms.CharField(
        label=_("Resident's mobile number"),
        max_length=20,
        required=False,
        help_text=_(
            "A confirmed resident of your area is linked at once; anyone else gets a text "
            "message with a link to put the request on their account."
        ),
    )
    reporter_name = forms.CharField(label=_("Resident's name"), max_length=50, required=False)

    def __init__(self, *args, channels=(), grids=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [
            (c, label) for c, label in Request.Channel.choices if c in channels
        ]
        self.fields["grid"].queryset = grids if grids is not None else Area.objects.none()
        self.order_fields(["channel", "grid", "resident_phone", "reporter_name", "text"])


class ConfirmForm(forms.Form):
    request_class = forms.ChoiceField(label=_("Class"), choices=RequestClass.choices)
    service_type = forms.ModelChoiceField(
        label=_("Service type"),
        queryset=ServiceType.objects.filter(is_active=True),
        required=False,
    )
    organisation = forms.ModelChoiceField(
        label=_("Handling organisation"),
        queryset=Organisation.objects.filter(is_active=True).exclude(kind="provider"),
        required=False,
        help_text=_("Leave empty to route automatically."),
    )


class TransferForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Transfer to"),
        queryset=Organisation.objects.filter(is_active=True).exclude(kind="provider"),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label=_("Closing reply"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4})
    )
    mediation = forms.ChoiceField(
        label=_("Mediation outcome"), choices=Request.Mediation.choices, required=False
    )


class RateForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How satisfied are you?"),
        coerce=int,
        choices=[(i, "★" * i) for i in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Comment (optional)"), max_length=300, required=False)


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it not solved?"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class TopicForm(forms.Form):
    """The round-table topic a committee makes of a 小事."""

    title = forms.CharField(
        label=_("Topic title"),
        max_length=120,
        help_text=_("Short and neutral; proposed from the request's first sentence."),
    )
    body = forms.CharField(
        label=_("Description"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Shown publicly: no names, phone numbers or door numbers."),
    )


class DashboardAreaForm(forms.Form):
    """The dashboard's area picker. Its choices are the areas the viewer may see, already
    loaded by the view (no query of its own); the page submits it on change, and a
    <noscript> button does so without JavaScript."""

    area = forms.ChoiceField(label=_("Area"), widget=forms.Select(attrs={"data-autosubmit": True}))

    def __init__(self, *args, areas=(), **kwargs):
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [
            (a.pk, f"{a.full_name} ({a.get_kind_display()})") for a in areas
        ]
