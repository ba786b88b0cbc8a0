from django import forms
from django.utils.translation import pgettext_lazy

from portal.inputs import BIGINT_MAX, INT_MAX, validate_date_range

from .models import Contribution, FollowUp, Poll, Topic
from .selectors import formats_for


class TopicForm(forms.Form):
    format = forms.ChoiceField(label=pgettext_lazy("deliberation", "Format"))
    title = forms.CharField(label=pgettext_lazy("deliberation", "Title"), max_length=120)
    body = forms.CharField(
        label=pgettext_lazy("deliberation", "Description"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
    )
    tags = forms.CharField(
        label=pgettext_lazy("deliberation", "Tags"),
        required=False,
        help_text=pgettext_lazy("deliberation", "Separate tags with commas, e.g. 停车, 电梯"),
    )

    def __init__(self, *args, community=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = [(f.code, f.name) for f in formats_for(community)]
        self.fields["format"].initial = "roundtable"

    def clean_tags(self):
        raw = self.cleaned_data.get("tags") or ""
        return [t.strip() for t in raw.replace("，", ",").split(",") if t.strip()][:10]


STANCE_NEEDED = pgettext_lazy("deliberation", "Choose whether you support, oppose or suggest.")


class ContributionForm(forms.Form):
    # A contribution states a position (replies do not): the first choice asks for one,
    # and the select is marked required, so nobody takes it for optional.
    stance = forms.ChoiceField(
        label=pgettext_lazy("deliberation", "My position (required)"),
        choices=[
            ("", pgettext_lazy("deliberation", "Choose: support, oppose or suggest")),
            *Contribution.Stance.choices,
        ],
        required=False,
        widget=forms.Select(attrs={"required": True}),
    )
    text = forms.CharField(
        label=pgettext_lazy("deliberation", "My contribution"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        error_messages={"required": pgettext_lazy("deliberation", "Write something first.")},
    )
    parent = forms.IntegerField(
        required=False, widget=forms.HiddenInput, min_value=1, max_value=BIGINT_MAX
    )

    def clean(self):
        data = super().clean()
        if not data.get("parent") and not data.get("stance") and "parent" not in self.errors:
            self.add_error("stance", STANCE_NEEDED)
        return data


class TopicEditForm(forms.Form):
    """The committee's title and description of a topic (also when made from a request)."""

    title = forms.CharField(
        label=pgettext_lazy("deliberation", "Title"),
        max_length=120,
        help_text=pgettext_lazy("deliberation", "Short and neutral, e.g. 3号楼加装电梯"),
    )
    body = forms.CharField(
        label=pgettext_lazy("deliberation", "Description"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
    )


class OutcomeForm(forms.Form):
    decision = forms.CharField(
        label=pgettext_lazy("deliberation", "Decision"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )
    poll = forms.ChoiceField(
        label=pgettext_lazy("deliberation", "Decided by the poll"),
        required=False,
        help_text=pgettext_lazy(
            "deliberation",
            "With a poll its counts are the tally. Without one, type the show of hands "
            "at the session below.",
        ),
    )
    votes_for = forms.IntegerField(
        label=pgettext_lazy("deliberation", "Votes for"),
        required=False,
        min_value=0,
        max_value=INT_MAX,
    )
    votes_against = forms.IntegerField(
        label=pgettext_lazy("deliberation", "Votes against"),
        required=False,
        min_value=0,
        max_value=INT_MAX,
    )
    votes_abstain = forms.IntegerField(
        label=pgettext_lazy("deliberation", "Abstentions"),
        required=False,
        min_value=0,
        max_value=INT_MAX,
    )
    followup_action = forms.CharField(
        label=pgettext_lazy("deliberation", "Follow-up action"), required=False, max_length=200
    )
    followup_responsible = forms.CharField(
        label=pgettext_lazy("deliberation", "Responsible"), required=False, max_length=120
    )
    followup_due = forms.DateField(
        label=pgettext_lazy("deliberation", "Due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_date_range],
    )

    def __init__(self, *args, polls=(), **kwargs):
        super().__init__(*args, **kwargs)
        polls = list(polls)
        self.polls = {str(p.pk): p for p in polls}
        self.fields["poll"].choices = [
            ("", pgettext_lazy("deliberation", "No poll: decided at the session")),
            *[(str(p.pk), p.question) for p in polls],
        ]
        if polls:
            self.fields["poll"].initial = str(polls[0].pk)

    def clean_poll(self):
        value = self.cleaned_data.get("poll") or ""
        return self.polls.get(value)

    def clean(self):
        data = super().clean()
        if data.get("followup_action") and not (
            data.get("followup_responsible") and data.get("followup_due")
        ):
            raise forms.ValidationError(
                pgettext_lazy(
                    "deliberation",
                    "A follow-up needs an action, who is responsible and a due date.",
                )
            )
        return data


class _DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class SessionForm(forms.Form):
    community = forms.ChoiceField(label=pgettext_lazy("deliberation", "Community"))
    format = forms.ChoiceField(label=pgettext_lazy("deliberation", "Format"))
    title = forms.CharField(label=pgettext_lazy("deliberation", "Title"), max_length=120)
    description = forms.CharField(
        label=pgettext_lazy("deliberation", "Description"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )
    starts_at = forms.DateTimeField(
        label=pgettext_lazy("deliberation", "Starts at"),
        widget=_DateTimeInput(),
        validators=[validate_date_range],
    )
    ends_at = forms.DateTimeField(
        label=pgettext_lazy("deliberation", "Ends at"),
        widget=_DateTimeInput(),
        validators=[validate_date_range],
    )
    place = forms.CharField(
        label=pgettext_lazy("deliberation", "Place"), max_length=200, required=False
    )
    online_url = forms.URLField(
        label=pgettext_lazy("deliberation", "Online link"), required=False, assume_scheme="https"
    )
    capacity = forms.IntegerField(
        label=pgettext_lazy("deliberation", "Capacity"),
        min_value=1,
        max_value=INT_MAX,
        initial=30,
    )
    registration_opens = forms.DateTimeField(
        label=pgettext_lazy("deliberation", "Registration opens"),
        widget=_DateTimeInput(),
        required=False,
        validators=[validate_date_range],
    )
    registration_closes = forms.DateTimeField(
        label=pgettext_lazy("deliberation", "Registration closes"),
        widget=_DateTimeInput(),
        required=False,
        validators=[validate_date_range],
    )
    topics = forms.MultipleChoiceField(
        label=pgettext_lazy("deliberation", "Topics"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, communities=(), topics=(), formats=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(c.pk, c.name) for c in communities]
        self.fields["format"].choices = [(f.code, f.name) for f in formats]
        self.fields["topics"].choices = [(t.pk, f"{t.title} · {t.community.name}") for t in topics]


class PollForm(forms.Form):
    community = forms.ChoiceField(label=pgettext_lazy("deliberation", "Community"))
    question = forms.CharField(label=pgettext_lazy("deliberation", "Question"), max_length=200)
    options = forms.CharField(
        label=pgettext_lazy("deliberation", "Options"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=pgettext_lazy("deliberation", "One option per line."),
    )
    kind = forms.ChoiceField(
        label=pgettext_lazy("deliberation", "Kind"),
        choices=[
            ("single", pgettext_lazy("deliberation", "single choice")),
            ("multiple", pgettext_lazy("deliberation", "multiple choice")),
        ],
    )
    opens_at = forms.DateTimeField(
        label=pgettext_lazy("deliberation", "Opens at"),
        widget=_DateTimeInput(),
        validators=[validate_date_range],
    )
    closes_at = forms.DateTimeField(
        label=pgettext_lazy("deliberation", "Closes at"),
        widget=_DateTimeInput(),
        validators=[validate_date_range],
    )
    hide_results_until_close = forms.BooleanField(
        label=pgettext_lazy("deliberation", "Hide results until the poll closes"), required=False
    )
    topic = forms.ChoiceField(label=pgettext_lazy("deliberation", "Topic"), required=False)

    def __init__(self, *args, communities=(), topics=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(c.pk, c.name) for c in communities]
        self.fields["topic"].choices = [("", "—"), *[(t.pk, t.title) for t in topics]]


class FormatForm(forms.Form):
    community = forms.ChoiceField(label=pgettext_lazy("deliberation", "Community"))
    code = forms.SlugField(label=pgettext_lazy("deliberation", "Code"), max_length=40)
    name = forms.CharField(label=pgettext_lazy("deliberation", "Name"), max_length=60)
    description = forms.CharField(
        label=pgettext_lazy("deliberation", "Description"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(c.pk, c.name) for c in communities]


def _select(choices) -> forms.CharField:
    """A select whose value the service (or selector) judges, as before: the form draws it
    through the field template but does not refuse a value the service explains better."""
    return forms.CharField(required=False, widget=forms.Select(choices=choices))


class TopicFilterForm(forms.Form):
    """The GET filter above a community's topics; every field optional."""

    q = forms.CharField(
        label=pgettext_lazy("deliberation", "Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    format = forms.CharField(label=pgettext_lazy("deliberation", "Format"), required=False)
    status = forms.CharField(label=pgettext_lazy("deliberation", "Status"), required=False)
    tag = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, formats=(), statuses=(), **kwargs):
        kwargs.setdefault("auto_id", "f-%s")
        super().__init__(*args, **kwargs)
        everything = ("", pgettext_lazy("deliberation", "All"))
        self.fields["format"].widget = forms.Select(
            choices=[everything, *[(f.code, f.name) for f in formats]]
        )
        self.fields["status"].widget = forms.Select(choices=[everything, *statuses])

    def filters(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {k: (data.get(k) or "") for k in ("format", "status", "tag", "q")}


class TopicStatusForm(forms.Form):
    status = forms.CharField(label=pgettext_lazy("deliberation", "Move to"), required=False)
    reason = forms.CharField(
        label=pgettext_lazy("deliberation", "Reason (needed to decline)"), required=False
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "st-%s")
        super().__init__(*args, **kwargs)
        self.fields["status"].widget = forms.Select(
            choices=[(v, label) for v, label in Topic.Status.choices if v != Topic.Status.DECIDED]
        )


class FollowUpStatusForm(forms.Form):
    status = forms.CharField(label=pgettext_lazy("deliberation", "Status"), required=False)

    def __init__(self, *args, followup=None, **kwargs):
        if followup is not None:
            kwargs.setdefault("auto_id", f"fs{followup.pk}-%s")
            kwargs.setdefault("initial", {"status": followup.status})
        super().__init__(*args, **kwargs)
        self.fields["status"].widget = forms.Select(choices=FollowUp.Status.choices)


class ReplyForm(forms.Form):
    """A reply under a contribution (posted to the same view as ContributionForm)."""

    parent = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=BIGINT_MAX)
    text = forms.CharField(
        label=pgettext_lazy("deliberation", "Reply"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
    )


class ContributionEditForm(forms.Form):
    text = forms.CharField(
        label=pgettext_lazy("deliberation", "Edit"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=5000,
    )


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=pgettext_lazy("deliberation", "Report: why?"), required=False, max_length=200
    )


class ModerateForm(forms.Form):
    reason = forms.CharField(
        label=pgettext_lazy("deliberation", "Moderation reason (the author sees it)")
    )


class _Radios(forms.RadioSelect):
    """Radios that hand every posted value to the field, so a ballot with two choices in a
    single-choice poll is refused (by the service) rather than silently cut to one."""

    def value_from_datadict(self, data, files, name):
        getlist = getattr(data, "getlist", None)
        return getlist(name) if getlist else data.get(name)


class VoteForm(forms.Form):
    """A ballot: one radio per option for a single-choice poll, checkboxes otherwise."""

    option = forms.MultipleChoiceField(label=pgettext_lazy("deliberation", "Your choice"))

    def __init__(self, *args, poll, options=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["option"]
        single = poll.kind == Poll.Kind.SINGLE
        field.widget = _Radios() if single else forms.CheckboxSelectMultiple()
        field.choices = [(str(o.pk), o.label) for o in options]


class DeskCheckInForm(forms.Form):
    """The code a committee member types (or the camera fills in) at the check-in desk.
    An empty code is left to `services.checkin`, whose refusal says what to do; the field
    still carries the browser's `required`.  Ids are desk-code (desk.js and the e2e test)."""

    code = forms.CharField(
        label=pgettext_lazy("deliberation", "Resident's check-in code"),
        help_text=pgettext_lazy(
            "deliberation", "The 8 letters and digits under the QR code on the resident's phone."
        ),
        max_length=200,
        required=False,
        widget=forms.TextInput(
            attrs={
                "required": True,
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "desk-code",
            }
        ),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "desk-%s")
        super().__init__(*args, **kwargs)
