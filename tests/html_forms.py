"""What a browser would send back: the values of a page's form, read from its HTML."""

import uuid
from html.parser import HTMLParser

from django.utils import timezone


class _FormValues(HTMLParser):
    def __init__(self, css_class: str):
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str] = {}
        self.css_class = css_class
        self.inside = False
        self.textarea: str | None = None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = self.css_class in (attrs.get("class") or "").split()
        if not self.inside or "name" not in attrs and tag != "option":
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("radio", "checkbox") and "checked" not in attrs:
                return
            if kind not in ("submit", "button"):
                self.values[attrs["name"]] = attrs.get("value", "on" if kind == "checkbox" else "")
        elif tag == "textarea":
            self.textarea = attrs["name"]
            self.values[self.textarea] = ""
        elif tag == "select":
            self.select = attrs["name"]
        elif tag == "option" and self.select and "selected" in attrs:
            self.values[self.select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data):
        if self.textarea:
            # Browsers drop the newline that follows <textarea>.
            value = self.values[self.textarea] + data
            self.values[self.textarea] = value.removeprefix("\n")


def form_values(html: str, css_class: str = "entry-form") -> dict[str, str]:
    """The name/value pairs the page's form with `css_class` would post, as it stands."""
    parser = _FormValues(css_class)
    parser.feed(html)
    return parser.values


def bleed_fields(**data) -> dict[str, str]:
    """What the bleed form posts for a nosebleed starting now (`data` overrides), once."""
    now = timezone.localtime()
    return {
        "kind": "nosebleed",
        "started_on": now.date().isoformat(),
        "started_time": now.strftime("%H:%M"),
        "form_token": str(uuid.uuid4()),
        **data,
    }


def first_alert(html: str) -> str:
    """The first role="alert" advice box of a page, to its sources line (includes/advice.html)."""
    start = html.index('role="alert"')
    return html[start : html.index("</p>", html.index('class="source"', start))]
