"""Addresses without arguments (the sections, signing out, the admin), worked out once.

``reverse`` walks the URL patterns each time it is called, and every page asks for the
same few addresses a dozen times: the navigation, the header's links, the audit
middleware's test for the admin. The answer only changes with the script prefix the site
is served under, so it is kept per prefix.
"""

import functools

from django.urls import get_script_prefix, reverse


def address(url_name: str) -> str:
    """``reverse(url_name)`` for a URL pattern that takes no arguments."""
    return _address(get_script_prefix(), url_name)


@functools.cache
def _address(prefix: str, url_name: str) -> str:
    return reverse(url_name)
