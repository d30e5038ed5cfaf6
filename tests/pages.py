"""What a page offers a browser to send back: its forms, the query parameters of its links,
the ids HTMX may target, and whether it tells the user what went wrong.

The bad-input suite (test_bad_input.py) reads pages with it so that a form or a filter
added to a template is fuzzed without anyone listing its fields.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

# Inputs a person types into; what they typed must come back on a refusal.
TYPED = {"text", "number", "email", "search", "tel", "url", "date", "textarea"}


@dataclass
class Field:
    name: str
    kind: str  # an <input>'s type, or "select", "textarea", "button"
    value: str = ""
    options: list[str] = field(default_factory=list)  # a select's or a button group's values
    checked: bool = False
    included: bool = False  # another form's, sent along (hx-include)

    @property
    def typed(self) -> bool:
        return self.kind in TYPED


@dataclass
class Form:
    method: str
    action: str  # path and query, as the browser would send it
    fields: list[Field] = field(default_factory=list)
    multipart: bool = False
    htmx: bool = False  # hx-post / hx-get: sent with HX-Request
    id: str = ""
    include: str = ""  # hx-include="#id": that form's fields are sent along
    target: str = ""  # hx-target: what HTMX replaces with the answer

    @property
    def stays(self) -> bool:
        """Whether the form stays on screen when HTMX swaps in the answer (its target is
        inside it), so what was typed is still there whatever the answer shows."""
        return self.htmx and self.target.startswith("find ")

    def field_names(self) -> list[str]:
        return list(dict.fromkeys(f.name for f in self.fields))

    def values(self) -> dict[str, list[str]]:
        """What submitting the form unchanged sends: hidden values, typed text, the selected
        option, checked boxes, and the first submit button that has a name."""
        sent: dict[str, list[str]] = {}
        button_done = set()
        for f in self.fields:
            if f.kind in ("checkbox", "radio") and not f.checked:
                continue
            if f.kind == "file":
                continue
            if f.kind in ("button", "submit"):
                if f.name in button_done:
                    continue
                button_done.add(f.name)
            if f.kind == "select":
                value = f.value if f.value else (f.options[0] if f.options else "")
                sent.setdefault(f.name, []).append(value)
                continue
            sent.setdefault(f.name, []).append(f.value)
        return sent


@dataclass
class Page:
    url: str
    forms: list[Form] = field(default_factory=list)
    # Query parameters of the page's own links (sorting, paging, exports...) and their values.
    link_params: dict[str, set[str]] = field(default_factory=dict)
    ids: set[str] = field(default_factory=set)


class _Reader(HTMLParser):
    def __init__(self, url: str):
        super().__init__(convert_charrefs=True)
        self.page = Page(url=url)
        self.form: Form | None = None
        self.select: Field | None = None
        self.textarea: Field | None = None
        self.option_value: str | None = None

    def _url(self, raw: str | None) -> str:
        parts = urlsplit(urljoin(self.page.url, raw or ""))
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if a.get("id"):
            self.page.ids.add(a["id"])
        for link in (a.get("href"), a.get("hx-get")):
            if link and not link.startswith(("#", "mailto:", "javascript:")):
                parts = urlsplit(urljoin(self.page.url, link))
                if parts.path == urlsplit(self.page.url).path:
                    for key, value in parse_qsl(parts.query, keep_blank_values=True):
                        self.page.link_params.setdefault(key, set()).add(value)
        if tag == "form":
            method = "post" if ("hx-post" in a or a.get("method", "").lower() == "post") else "get"
            self.form = Form(
                method=method,
                action=self._url(a.get("hx-post") or a.get("action") or a.get("hx-get")),
                multipart="multipart" in a.get("enctype", ""),
                htmx="hx-post" in a or "hx-get" in a,
                id=a.get("id", ""),
                include=a.get("hx-include", ""),
                target=a.get("hx-target", ""),
            )
            return
        if self.form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            self.form.fields.append(Field(name, kind, a.get("value", ""), checked="checked" in a))
        elif tag == "button" and name:
            self.form.fields.append(Field(name, "button", a.get("value", "")))
        elif tag == "select" and name:
            self.select = Field(name, "select")
            self.form.fields.append(self.select)
        elif tag == "option" and self.select is not None:
            self.option_value = a.get("value")
            if self.option_value is not None:
                self.select.options.append(self.option_value)
                if "selected" in a:
                    self.select.value = self.option_value
        elif tag == "textarea" and name:
            self.textarea = Field(name, "textarea")
            self.form.fields.append(self.textarea)

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form" and self.form is not None:
            self.page.forms.append(self.form)
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            # The HTML parser keeps the newline that follows <textarea>; browsers drop it.
            if self.textarea.value.startswith("\n"):
                self.textarea.value = self.textarea.value[1:]
            self.textarea = None
        elif tag == "option":
            self.option_value = None


def read_page(html: str, url: str) -> Page:
    reader = _Reader(url)
    reader.feed(html)
    reader.close()
    page = reader.page
    by_id = {form.id: form for form in page.forms if form.id}
    for form in page.forms:
        # hx-include="#checkout": HTMX sends that form's fields along with this one's.
        included = by_id.get(form.include.removeprefix("#"))
        if included is not None and included is not form:
            form.fields = form.fields + [
                replace(f, included=True) for f in included.fields if f.kind != "button"
            ]
    return page


class _MessageReader(HTMLParser):
    """Collects the text of what a page flags as a problem: role="alert", class="error(s)",
    and the error and warning items of the messages list."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0  # >0 while inside a flagged element
        self.stack: list[bool] = []
        self.texts: list[str] = []

    VOID = {"input", "br", "img", "meta", "link", "hr", "col", "source", "wbr", "area", "base"}

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        a = {k: (v or "") for k, v in attrs}
        classes = a.get("class", "").split()
        flagged = (
            a.get("role") == "alert"
            or "error" in classes
            or "errors" in classes
            or (tag == "li" and ({"warning"} & set(classes)))
        )
        self.stack.append(flagged)
        if flagged:
            self.depth += 1
            self.texts.append("")

    def handle_endtag(self, tag):
        if tag in self.VOID or not self.stack:
            return
        if self.stack.pop():
            self.depth -= 1

    def handle_data(self, data):
        if self.depth and self.texts:
            self.texts[-1] += data


def problems_shown(html: str) -> list[str]:
    """The non-empty texts a page flags as errors for the user to read."""
    reader = _MessageReader()
    reader.feed(html)
    reader.close()
    return [" ".join(t.split()) for t in reader.texts if t.strip()]


def json_error(content: bytes) -> str:
    """The ``error`` of a JSON answer, as an API tells its caller what was wrong."""
    try:
        body = json.loads(content)
    except ValueError:
        return ""
    return str(body.get("error") or "") if isinstance(body, dict) else ""
