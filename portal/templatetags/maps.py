"""`{% load maps %}{% map_config as cfg %}`: the base map's settings for a map's
`data-config` attribute (portal/maps.py); map.js reads them."""

from django import template

from ..maps import map_config_json

register = template.Library()


@register.simple_tag
def map_config() -> str:
    return map_config_json()
