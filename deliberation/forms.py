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
