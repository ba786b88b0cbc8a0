from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .inputs import BIGINT_MAX
from .models import Area, User
from .selectors import communities


class PortalFormRenderer(DjangoTemplates):
    """FORM_RENDERER: every form on the site (`{{ form }}`, `{{ field.as_field_group }}`,
    allauth's as_div) draws its fields with one template, so label, help text, errors,
    required marker and the aria links between them are written once."""

    form_template_name = "portal/forms/form.html"
    field_template_name = "portal/forms/field.html"
    # Django's widget templates drawn our way (same markup, less work); see each template.
    widget_templates = {"django/forms/widgets/select.html": "portal/forms/widgets/select.html"}

    def get_template(self, template_name):
        return super().get_template(self.widget_templates.get(template_name, template_name))


class HiddenLabelMixin:
    """Fields whose label only screen readers need (a search box with its button beside
    it, the header's language switch): the one field template gives the label the
    visually-hidden class when a field says `hide_label`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.hide_label = True


class SearchForm(HiddenLabelMixin, forms.Form):
    """The site search box (home page and the search page)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Search the portal, e.g. 漏水")}
        ),
    )


class SiteSearchForm(HiddenLabelMixin, forms.Form):
    """The search box in every page's header: the same for every visitor in a language."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "id": "site-q", "placeholder": _("Search the site")}
        ),
    )


class LanguageSelect(forms.Select):
    """Each language named in itself, so each option carries its own `lang`."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        option["attrs"]["lang"] = value
        return option


class LanguageSwitchForm(HiddenLabelMixin, forms.Form):
    """The header's language switch: the same for every visitor in a language, so pages
    that carry it stay cacheable."""

    language = forms.ChoiceField(
        label=_("Language"),
        choices=settings.LANGUAGES,
        required=False,  # a switch, not a question: no "required" marker in the header
        widget=LanguageSelect(attrs={"id": "lang-switch", "data-autosubmit": ""}),
    )


class ResidencyForm(forms.Form):
    community = forms.ModelChoiceField(
        label=_("Community"), queryset=Area.objects.none(), empty_label=_("Choose your community")
    )
    grid = forms.ModelChoiceField(
        label=_("Grid"),
        queryset=Area.objects.filter(kind=Area.Kind.GRID),
        empty_label=_("Choose your grid"),
        help_text=_("Your grid worker can tell you which grid your building is in."),
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=200,
        required=False,
        help_text=_("Building and unit. Only your committee and grid worker see it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities()
        # Labels come from one query over all the options' ancestors (not one per option).
        labels = {
            a.pk: a.full_name
            for a in Area.attach_full_names(
                Area.objects.filter(kind__in=[Area.Kind.COMMUNITY, Area.Kind.GRID])
            )
        }
        self.fields["community"].label_from_instance = lambda a: labels.get(a.pk, a.name)
        self.fields["grid"].label_from_instance = lambda a: labels.get(a.pk, a.name)

    def clean(self):
        data = super().clean()
        community, grid = data.get("community"), data.get("grid")
        if community and grid and not community.contains(grid):
            self.add_error("grid", _("The grid you chose is not in that community."))
        return data


class ResidencyDecisionForm(forms.Form):
    """One claim's row in the residency queue: the decision comes from the button pressed,
    the page draws the note field and the hidden claim id.  Build it with
    `for_claim(pk)` so each row's ids are unique (note-<pk>) and the names stay as posted."""

    membership = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=BIGINT_MAX)
    decision = forms.ChoiceField(choices=[("confirm", _("Confirm")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Reason (required to reject)"), max_length=200, required=False)

    @classmethod
    def for_claim(cls, pk, data=None):
        return cls(data, initial={"membership": pk}, auto_id=f"%s-{pk}")


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, required=False)
    elder_mode = forms.ChoiceField(
        label=_("Elder-friendly mode"), choices=[("1", _("On")), ("0", _("Off"))], required=False
    )
    text_size = forms.ChoiceField(
        label=_("Text size"), choices=User.TextSize.choices, required=False
    )
    next = forms.CharField(required=False)


class PrivacyForm(forms.Form):
    """How the resident appears on public pages; each choice is labelled with what
    people would actually see."""

    name_style = forms.ChoiceField(
        label=_("How your name shows on public pages"),
        widget=forms.RadioSelect,
        help_text=_(
            "Topics, contributions, leaderboards and volunteer lists use it. Your committee "
            "and grid worker still see your name where they handle your affairs."
        ),
    )
    leaderboard_opt_out = forms.BooleanField(
        label=_("Leave me out of public leaderboards and volunteer lists"),
        required=False,
        help_text=_("Your verified hours and coins still count in full."),
    )

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault(
            "initial",
            {"name_style": user.name_style, "leaderboard_opt_out": user.leaderboard_opt_out},
        )
        super().__init__(*args, **kwargs)
        styles = User.NameStyle
        choices = []
        for value, label in styles.choices:
            shown = User(
                display_name=user.display_name,
                username=user.username,
                last_name=user.last_name,
                name_style=value,
            ).public_name
            choices.append(
                (value, gettext("%(style)s: %(name)s") % {"style": label, "name": shown})
            )
        self.fields["name_style"].choices = choices


class ChannelCheckboxes(forms.CheckboxSelectMultiple):
    """Each box's id is n-<category>-<channel> (the value "category:channel"), so the ids
    stay the same whichever form or row draws the box."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["attrs"]["id"] = "n-" + str(value).replace(":", "-")
        return option

    def id_for_label(self, id_, index=None):
        return ""  # the group has a legend; each box is labelled by its own <label for>


class NotificationChoicesForm(forms.Form):
    """The notices a user wants, as ticked "category:channel" boxes (name "on").  The page
    draws one form per category (legend: the category); the POST is read by one form over
    all categories, which refuses a box that does not exist."""

    on = forms.MultipleChoiceField(required=False, widget=ChannelCheckboxes)

    def __init__(self, *args, categories=(), channels=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["on"]
        field.choices = [(f"{c.key}:{ch}", label) for c in categories for ch, label in channels]
        if len(categories) == 1:
            field.label, field.help_text = categories[0].label, categories[0].description


class DashboardAreaForm(forms.Form):
    """The dashboard's area picker. Its choices are the areas the viewer may see, already
    loaded by the view (no query of its own); the page submits it on change, and a
    <noscript> button does so without JavaScript."""

    area = forms.ChoiceField(label=_("Area"), widget=forms.Select(attrs={"data-autosubmit": True}))

    def __init__(self, *args, areas=(), **kwargs):
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        # Every option's full name from one query over their ancestors, not one each: a
        # city-wide viewer has every district, street and community here.
        self.fields["area"].choices = [
            (a.pk, f"{a.full_name} ({a.get_kind_display()})") for a in Area.attach_full_names(areas)
        ]
