"""Bad requests, as hypothesis strategies: what a careless, hurried or hostile client sends.

Values are strings, as every form field and query parameter arrives: wrong types, huge and
negative numbers, NUL and other control characters, 10,000-character strings, unicode,
malformed dates and keys. Bodies come well formed (multipart or URL-encoded, as browsers
send them) or malformed (broken multipart, wrong charset, too many fields, too big).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import strategies as st

from tests.pages import Form

LONG = 10_000

WRONG_TYPES = [
    "abc",
    "true",
    "false",
    "on",
    "None",
    "null",
    "undefined",
    "[]",
    "{}",
    '{"quantity": 1}',
    "[1, 2]",
    "' OR '1'='1",
    "1; DROP TABLE orders_order; --",
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "{% debug %}",
    "${7*7}",
    "../../../../etc/passwd",
    "%00",
    "%ff%fe",
    "%",
    "&",
    "=",
    "?#",
    "\\",
    "/",
    "//evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
    "",
    " ",
]
NUMBERS = [
    "0",
    "-0",
    "-1",
    "-99999999999",
    "1.5",
    "-0.01",
    "0.001",
    "1,5",
    "1.2.3",
    "1e3",
    "1e309",
    "-1e309",
    "1E-400",
    "NaN",
    "nan",
    "sNaN",
    "Infinity",
    "-Infinity",
    "inf",
    "0x1F",
    "0b101",
    "1_000",
    "+5",
    " 7 ",
    "00000000001",
    "٣",  # an Arabic-Indic three: int() takes it, a person rarely types it
    "１２",  # fullwidth digits
    "⅕",
    "²",
    str(2**31),
    str(2**63),
    str(-(2**63) - 1),
    str(10**30),
    str(-(10**30)),
    "9" * 400,
    "99999999999999.99",
    "999999999999999999.999",
]
CONTROL = [
    "\x00",
    "a\x00b",
    "\x00" * 8,
    "\x01\x02\x03",
    "\x1b[31mred\x1b[0m",
    "\x07\x08",
    "\x7f",
    "\r",
    "\n",
    "\r\n\r\n",
    "\t",
    "\x0b\x0c",
    "\x85",
    "\u2028\u2029",
    "\ufeff",
    "\u202eevil",  # right-to-left override
    "\u200b",
    "\ufffd",
    "\U0010ffff",
]
UNICODE = [
    "Ωmega",
    "שלום",
    "مرحبا",
    "日本語のテキスト",
    "😀👍🏽",
    "👨‍👩‍👧‍👦",
    "e\u0301",
    "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǫ̗͎",
    "ﷺ",
    "𝕏𝕐",
    "İı",
    "ß",
    "ǅ",
    "\u0301" * 50,
]
DATES = [
    "2026-02-30",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "-2026-01-01",
    "2026-13-01",
    "31/12/9999",
    "1/1/1",
    "2026-1-1",
    "tomorrow",
    "1970-01-01T00:00:00Z",
    "20260101",
]
KEYS = [
    "00000000-0000-0000-0000-000000000000",
    str(uuid.UUID(int=2**128 - 1)),
    "not-a-uuid",
    "{00000000-0000-0000-0000-000000000000}",
    "ORD-000000",
    "ORD-999999",
    "INV-2026-00000",
]
HUGE = [
    "x" * LONG,
    "9" * LONG,
    "é" * LONG,
    "😀" * LONG,
    "\x00" * LONG,
    "a " * (LONG // 2),
    "BOLT-M8-50, 1\n" * (LONG // 14),
]
FIXED = WRONG_TYPES + NUMBERS + CONTROL + UNICODE + DATES + KEYS
# Names no form has, and names forms commonly have, sent where they are not expected.
PARAM_NAMES = [
    "page",
    "per_page",
    "sort",
    "q",
    "next",
    "_export",
    "format",
    "order_by",
    "limit",
    "offset",
    "id",
    "pk",
    "token",
    "version",
    "action",
    "csrfmiddlewaretoken",
    "__proto__",
    "",
]


def text() -> st.SearchStrategy[str]:
    # Any unicode but lone surrogates, which no UTF-8 request can carry.
    return st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


def bad_values() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(FIXED),
        st.sampled_from(HUGE),
        text(),
        st.integers(min_value=-(10**40), max_value=10**40).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
    )


def value_for(good: str, known: list[str] | tuple[str, ...] = ()) -> st.SearchStrategy[str]:
    """A bad value for a field whose good value is ``good`` (and its other valid ones)."""
    mutations = [good + "\x00", good * 2, "-" + good, good + " ", good.upper(), good[:1]]
    if good:
        mutations += [good + "x" * LONG, good[::-1]]
    return st.one_of(
        bad_values(),
        st.sampled_from(mutations),
        st.sampled_from(list(known) or [good]),
        # A good line, then a bad one (a paste of lines, where some may be taken).
        bad_values().map(lambda bad: f"{good}\n{bad}"),
    )


# Uploads: oversized, empty, not UTF-8, binary, with lying names and types.
UPLOAD_LIMIT = 256 * 1024
UPLOADS = [
    ("big.csv", b"NUT-M8, 1\n" * (UPLOAD_LIMIT // 10 + 1), "text/csv"),
    ("empty.csv", b"", "text/csv"),
    ("latin1.csv", "BOLT-M8-50;5\nÄÖÜ-ß;1\n".encode("latin-1"), "text/csv"),
    ("utf16.csv", "BOLT-M8-50, 5\n".encode("utf-16"), "text/csv"),
    ("cp1252.csv", "SKU;Qty\n“BOLT-M8-50”;5\n".encode("cp1252"), "text/csv"),
    ("nul.csv", b"BOLT-M8-50\x00, 5\n", "text/csv"),
    ("image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "image/png"),
    ("bom.csv", "\ufeffBOLT-M8-50, 5\n".encode(), "text/csv"),
    ("../../etc/passwd", b"BOLT-M8-50, 1\n", "text/csv"),
    ("x" * 1000 + ".csv", b"BOLT-M8-50, 1\n", "text/csv"),
    ("ümläut 😀.csv", b"BOLT-M8-50, 1\n", "application/octet-stream"),
    ("lines.csv", b"BOLT-M8-50, 1\n" * 1100, "text/csv"),
    ("truncated.csv", "BOLT-M8-50, 5 é".encode()[:-1], "text/csv"),
]


@st.composite
def uploads(draw):
    name, content, content_type = draw(st.sampled_from(UPLOADS))
    return SimpleUploadedFile(name, content, content_type=content_type)


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:60]}…({len(value)} chars)"


@dataclass
class Probe:
    """One request of the suite, and what the checks need to know about it."""

    kind: str  # query, path, form, raw, replay, csrf
    persona: str
    method: str
    path: str
    data: dict | None = None  # a well-formed body: the test client encodes it as multipart
    body: bytes | None = None  # a raw body, sent with ``content_type``
    content_type: str = ""
    headers: dict = field(default_factory=dict)
    form: Form | None = None
    typed: dict = field(default_factory=dict)  # visible fields' values, to find on a refusal
    csrf: str | None = None  # for kind "csrf": the token sent (None: none at all)

    @property
    def well_formed(self) -> bool:
        """Whether a browser could send it. Past 8 KB, a URL is one front servers refuse
        (nginx answers 414), and Django refuses to redirect to one (a 400)."""
        return self.kind in ("form", "replay", "query", "path") and len(self.path) <= 8192

    def __repr__(self) -> str:
        parts = [f"{self.kind} {self.persona} {self.method.upper()} {_short(self.path)}"]
        if self.data is not None:
            shown = {k: (_short(v) if isinstance(v, str) else v) for k, v in self.data.items()}
            parts.append(f"data={shown}")
        if self.body is not None:
            parts.append(f"body={_short(self.body)} ({self.content_type})")
        if self.headers:
            parts.append(f"headers={ {k: _short(v) for k, v in self.headers.items()} }")
        if self.kind == "csrf":
            parts.append(f"csrf={_short(self.csrf)}")
        return "Probe(" + ", ".join(parts) + ")"

    def _repr_pretty_(self, printer, cycle):
        # hypothesis prints a failing example with this: short, not 10,000 characters.
        printer.text(repr(self))


def encoded(data: dict) -> bytes:
    return urlencode(
        [(k, v) for k, vs in data.items() for v in (vs if isinstance(vs, list) else [vs])]
    ).encode()


# Bodies no browser sends for these forms.
@st.composite
def raw_bodies(draw, data: dict):
    plain = encoded({k: v for k, v in data.items() if isinstance(v, str | list)})
    choice = draw(
        st.sampled_from(
            [
                "no-boundary",
                "truncated-multipart",
                "bad-charset",
                "latin1-body",
                "invalid-utf8",
                "bad-percent",
                "json",
                "text",
                "too-many-fields",
                "too-big",
                "empty",
            ]
        )
    )
    form = "application/x-www-form-urlencoded"
    if choice == "no-boundary":
        return plain, "multipart/form-data"
    if choice == "truncated-multipart":
        body = b'--BoUnDaRy\r\nContent-Disposition: form-data; name="quantity"\r\n\r\n1'
        return body, "multipart/form-data; boundary=BoUnDaRy"
    if choice == "bad-charset":
        return plain, f"{form}; charset=x-no-such-charset"
    if choice == "latin1-body":
        return "quantity=5&reason=Stückzählung&comment=Grüße".encode("latin-1"), f"{form}"
    if choice == "invalid-utf8":
        return plain + b"&comment=\xff\xfe\xc3\x28&\xf0\x28\x8c\xbc=1", form
    if choice == "bad-percent":
        return plain + b"&quantity=%&reason=%zz%f&%00=%00", form
    if choice == "json":
        return b'{"quantity": 5, "reason": "json"}', "application/json"
    if choice == "text":
        return plain, "text/plain"
    if choice == "too-many-fields":
        return b"&".join(b"f%d=1" % i for i in range(1100)), form
    if choice == "too-big":
        return plain + b"&pad=" + b"x" * (2_621_440 + 1), form
    return b"", form


QUERY_GARBAGE = [
    "%",
    "%zz",
    "page=%ff%fe",
    "&&&",
    "=",
    "==&=",
    "page",
    "page=1&page=2&page=-3",
    "%00=%00",
    "q=%F0%9F",
    "sort=" + "x," * 500,
    "q=" + "%41" * 5000,
    "a[]=1&a[x]=2",
    "per_page=100000000&page=99999999999999999999",
    "sort=-" + "-" * 100 + "sku",
    "page=0",
    "page=-1",
    "page=1e3",
    "_export=csv",
    "_export=../../x",
    "next=//evil.example/",
]


def query_string(params: list[tuple[str, str]]) -> str:
    return urlencode(params)


def path_segment() -> st.SearchStrategy[str]:
    """A malformed path segment, as the browser would put it in the URL (percent-encoded)."""
    return st.one_of(
        st.sampled_from(
            [
                "%00",
                "%ff",
                "%2e%2e",
                "..",
                "%2F",
                "%5C",
                "%0A",
                "%20",
                "ORD-000001%00",
                "x" * LONG,
                "9" * LONG,
                "9" * 30,
                "-1",
                "0",
                "ＯＲＤ-０００００１",
            ]
        ),
        bad_values().map(lambda v: quote(v, safe="")),
    )
