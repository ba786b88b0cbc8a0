from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Contribution
from .selectors import formats_for


class TopicForm(forms.Form):
    format = forms.ChoiceField(label=_("Format"))
    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Separate tags with commas, e.g. 停车, 电梯")
    )

    def __init__(self, *args, community=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = [(f.code, f.name) for f in formats_for(community)]
        self.fields["format"].initial = "roundtable"

    def clean_tags(self):
        raw = self.cleaned_data.get("tags") or ""
        return [t.strip() for t in raw.replace("，", ",").split(",") if t.strip()][:10]


class ContributionForm(forms.Form):
    stance = forms.ChoiceField(
        label=_("My position"), choices=[("", "—"), *Contribution.Stance.choices], required=False
    )
    text = forms.CharField(
        label=_("My contribution"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class OutcomeForm(forms.Form):
    decision = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 4}))
    votes_for = forms.IntegerField(label=_("Votes for"), required=False, min_value=0)
    votes_against = forms.IntegerField(label=_("Votes against"), required=False, min_value=0)
    votes_abstain = forms.IntegerField(label=_("Abstentions"), required=False, min_value=0)
    followup_action = forms.CharField(label=_("Follow-up action"), required=False, max_length=200)
    followup_responsible = forms.CharField(label=_("Responsible"), required=False, max_length=120)
    followup_due = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        if data.get("followup_action") and not (
            data.get("followup_responsible") and data.get("followup_due")
        ):
            raise forms.ValidationError(
                _("A follow-up needs an action, who is responsible and a due date.")
            )
        return data


class _DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class SessionForm(forms.Form):
    community = forms.ChoiceField(label=_("Community"))
    format = forms.ChoiceField(label=_("Format"))
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=_DateTimeInput())
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=_DateTimeInput())
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    online_url = forms.URLField(label=_("Online link"), required=False, assume_scheme="https")
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, initial=30)
    registration_opens = forms.DateTimeField(
        label=_("Registration opens"), widget=_DateTimeInput(), required=False
    )
    registration_closes = forms.DateTimeField(
        label=_("Registration closes"), widget=_DateTimeInput(), required=False
    )
    topics = forms.MultipleChoiceField(
        label=_("Topics"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, communities=(), topics=(), formats=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(c.pk, c.name) for c in communities]
        self.fields["format"].choices = [(f.code, f.name) for f in formats]
        self.fields["topics"].choices = [(t.pk, f"{t.title} · {t.community.name}") for t in topics]


class PollForm(forms.Form):
    community = forms.ChoiceField(label=_("Community"))
    question = forms.CharField(label=_("Question"), max_length=200)
    options = forms.CharField(
        label=_("Options"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One option per line."),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("single", _("single choice")), ("multiple", _("multiple choice"))],
    )
    opens_at = forms.DateTimeField(label=_("Opens at"), widget=_DateTimeInput())
    closes_at = forms.DateTimeField(label=_("Closes at"), widget=_DateTimeInput())
    hide_results_until_close = forms.BooleanField(
        label=_("Hide results until the poll closes"), required=False
    )
    topic = forms.ChoiceField(label=_("Topic"), required=False)

    def __init__(self, *args, communities=(), topics=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(c.pk, c.name) for c in communities]
        self.fields["topic"].choices = [("", "—"), *[(t.pk, t.title) for t in topics]]


class FormatForm(forms.Form):
    community = forms.ChoiceField(label=_("Community"))
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=60)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(c.pk, c.name) for c in communities]
