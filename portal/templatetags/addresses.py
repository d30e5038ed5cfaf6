"""``{% address 'logout' %}``: ``{% url %}`` for an address without arguments, worked out
once per process (``portal.addresses``); for the links on every page."""

from django import template

from portal.addresses import address as address_of

register = template.Library()


@register.simple_tag
def address(url_name: str) -> str:
    return address_of(url_name)
