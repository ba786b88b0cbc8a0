"""The admin form for a grid's (or community's) outline: draw it on the map, paste GeoJSON
or upload a .geojson file.  Whatever comes in goes through `triage.geo`; a malformed
outline is refused on the form with a translated message and nothing is saved."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.maps import map_config_json
from portal.models import Area
from portal.wagtail_scoping import AreaScopedForm

from .geo import MAX_GEOJSON_BYTES, bounds, outline_from_geojson, outline_to_geojson
from .models import GridBoundary

DRAW = "triage.draw_outlines"


class OutlineWidget(forms.Textarea):
    """A GeoJSON textarea under a map: each tap on the map adds a corner (map.js "draw")."""

    template_name = "triage/widgets/outline.html"

    def __init__(self, *args, reference=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.reference = reference or {"areas": [], "points": [], "bounds": None}

    class Media:
        css = {"all": ["portal/tokens.css", "portal/vendor/leaflet/leaflet.css", "portal/map.css"]}
        js = ["portal/vendor/leaflet/leaflet.js", "portal/map.js"]

    def get_context(self, name, value, attrs):
        ctx = super().get_context(name, value, attrs)
        ctx["widget"]["map_config"] = map_config_json()
        ctx["widget"]["reference"] = self.reference
        return ctx


class OutlineForm(AreaScopedForm):
    """The area offered: communities and grids the user may draw (site admins: all)."""

    scope_action = DRAW
    scope_field = "area"
    scope_kind = None
    field_labels = {"area": _("community or grid")}

    geojson = forms.CharField(
        label=_("Outline (GeoJSON)"),
        required=False,
        widget=OutlineWidget(attrs={"rows": 6}),
        help_text=_(
            "Tap the corners on the map in order, or paste a GeoJSON Polygon (longitude "
            "first, WGS-84)."
        ),
    )
    geojson_file = forms.FileField(
        label=_("Or upload a GeoJSON file"),
        required=False,
        help_text=_("A .geojson or .json file with one polygon."),
    )

    class Meta:
        model = GridBoundary
        fields = ["area"]

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        field = self.fields.get("area")
        if field is not None:
            field.queryset = field.queryset.filter(kind__in=[Area.Kind.COMMUNITY, Area.Kind.GRID])
            if self.instance.pk:
                root = self.instance.area.community or self.instance.area
            else:
                root = field.queryset.filter(kind=Area.Kind.COMMUNITY).first()
            self.fields["geojson"].widget.reference = _reference(root, self.instance)
        if self.instance.pk and self.instance.polygon and not self.is_bound:
            self.initial["geojson"] = json.dumps(
                outline_to_geojson(self.instance.polygon), ensure_ascii=False
            )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("geojson_file")
        text = cleaned.get("geojson") or ""
        try:
            if upload:
                if upload.size > MAX_GEOJSON_BYTES:
                    raise forms.ValidationError(_("The GeoJSON file is too large."))
                ring = outline_from_geojson(upload.read(MAX_GEOJSON_BYTES + 1))
            elif text.strip():
                ring = outline_from_geojson(text)
            else:
                self.add_error("geojson", _("Draw the outline on the map or give its GeoJSON."))
                return cleaned
        except forms.ValidationError as exc:
            self.add_error("geojson_file" if upload else "geojson", exc)
            return cleaned
        self.instance.polygon = ring
        return cleaned


def _reference(area: Area | None, instance) -> dict:
    """The other outlines of the community, drawn under the one being edited."""
    if area is None:
        return {"areas": [], "points": [], "bounds": None}
    rows = GridBoundary.objects.filter(area__path__startswith=area.path).select_related("area")
    if instance.pk:
        rows = rows.exclude(pk=instance.pk)
    areas = [
        {"id": b.area_id, "kind": b.area.kind, "name": b.area.name, "outline": b.polygon}
        for b in rows
    ]
    return {
        "areas": areas,
        "points": [],
        "bounds": bounds([a["outline"] for a in areas]),
    }
