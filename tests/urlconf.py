"""The project's URLs, read from the URLconf, for tests that must cover every one of them."""

import re

from django.urls import URLPattern, URLResolver, get_resolver

PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>")  # path() and re_path() styles


def walk(patterns=None, prefix=""):
    """(name, route) for every URL pattern."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield pattern.name, prefix + str(pattern.pattern)


def parameters(route: str) -> list[str]:
    return [path_style or regex_style for path_style, regex_style in PARAMETER.findall(route)]
