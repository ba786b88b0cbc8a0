from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import DashboardAreaForm  # noqa: F401  (the dashboards' area picker)
from portal.inputs import parse_id
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


def grid_labels(grids) -> dict[int, str]:
    """{grid pk: "市南区 · 八大湖街道 · 新湛社区 · 第一网格"}: every grid named with the places
    above it (the city left out), in one query over their ancestors."""
    grids = list(grids)
    paths = {p for g in grids for p in g.ancestor_paths()}
    names = dict(
        Area.objects.filter(path__in=paths).exclude(kind=Area.Kind.CITY).values_list("path", "name")
    )
    return {g.pk: " · ".join(names[p] for p in g.ancestor_paths() if p in names) for g in grids}


def _squeeze(text: str) -> str:
    return "".join(ch for ch in text if not ch.isspace() and ch not in "·・.")


class DatalistInput(forms.TextInput):
    """A text box offering `options` in a <datalist>: the browser filters them as one
    types, with no script (and a plain text box where datalists are not supported)."""

    template_name = "triage/widgets/datalist.html"

    def __init__(self, attrs=None, options=()):
        super().__init__(attrs)
        self.options = list(options)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        list_id = f"{context['widget']['attrs'].get('id') or name}-options"
        context["widget"]["attrs"]["list"] = list_id
        context["widget"]["attrs"]["autocomplete"] = "off"
        context["widget"]["list_id"] = list_id
        context["widget"]["options"] = self.options
        return context


class GridField(forms.Field):
    """A grid picked by its full name (区 · 街道 · 社区 · 网格), searchable: the operator
    types any part (“新湛 第一”) and the list narrows; a unique part is enough."""

    widget = DatalistInput
    default_error_messages = {
        "unknown": _("No grid you may enter requests for is called that; pick one from the list."),
        "ambiguous": _("Several grids match “%(text)s”; pick one from the list."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_grids(Area.objects.none())

    def set_grids(self, grids) -> None:
        self.grids = {g.pk: g for g in grids}
        self.labels = grid_labels(self.grids.values()) if self.grids else {}
        self.widget.options = list(self.labels.values())

    def prepare_value(self, value):
        pk = parse_id(getattr(value, "pk", value))
        if pk is not None:
            return self.labels.get(pk, value)
        return value

    def to_python(self, value):
        text = (value or "").strip()
        if not text:
            return None
        pk = parse_id(text)
        if pk in self.grids:  # a form that posts the grid's id
            return self.grids[pk]
        wanted = _squeeze(text)
        exact = [pk for pk, label in self.labels.items() if _squeeze(label) == wanted]
        found = exact or [
            pk
            for pk, label in self.labels.items()
            if all(part in _squeeze(label) for part in text.replace("·", " ").split())
        ]
        if not found:
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown")
        if len(found) > 1:
            raise forms.ValidationError(
                self.error_messages["ambiguous"], code="ambiguous", params={"text": text[:40]}
            )
        return self.grids[found[0]]


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
    # Made by portal/static/portal/offline.js on the device; sent again with a draft kept
    # offline, it finds the request the first sending made (`Request.client_key`).
    client_key = forms.UUIDField(
        required=False,
        widget=forms.HiddenInput(attrs={"data-client-key": ""}),
        error_messages={
            "invalid": _(
                "This form was damaged on the way. Please reload the page and send it again."
            )
        },
    )


class IntakeForm(RequestForm):
    """Grid workers and hotline staff enter a request for a resident."""

    channel = forms.ChoiceField(label=_("Channel"), choices=())
    grid = GridField(
        label=_("Grid"),
        help_text=_("Type part of its name (district, street, community or grid) and pick it."),
    )
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
        self.fields["grid"].set_grids(grids if grids is not None else Area.objects.none())
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

    def offer_only_serving(self, area):
        """Offer only the organisations that serve `area` (a transfer elsewhere is refused
        by the service anyway: the menu should not propose it)."""
        self.fields["organisation"].queryset = (
            Organisation.serving(area).exclude(kind="provider").order_by("area__path", "name")
        )
        return self


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
