"""Raw ids never reach a reader: which columns hold ids, and how ids are masked or withheld.

A :class:`Masker` serves one report page (or the index). It knows the id columns:

* the canonical ones (:data:`~cxkit.schema.ID_COLUMNS`) and common spellings of them
  (:data:`ID_ALIASES`: ``Customer ID``, ``cust_id``, ``client``, ``user_id`` … — names are
  compared lower-case with spaces, dots and dashes as ``_``);
* the columns the notebook's readers were given through their mapping
  (``cx.read_events(..., customer="Kundennummer")``: :func:`mapped_id_columns` reads the
  notebook's code with :mod:`ast`);
* the extra ``id_columns`` of the report's entry in ``reports.toml``.

What it masks (:data:`MASK`), and the values it learns on the way:

* table cells under an id header (also a pandas index or ``MultiIndex`` level, rows spanning
  several lines) and the rest of a row headed by an id name (a transposed frame);
* ``name: value`` / ``'name': 'value'`` / ``name=value`` pairs of an id column in any text —
  chart ``aria-label`` descriptions (an Altair tooltip), error messages, printed dicts;
* the tick labels of a chart axis or legend titled by an id column;
* any token shaped like an id (:data:`ID_SHAPE`: 1–4 letters, an optional ``-``/``_``, then
  3 or more digits, e.g. ``C00000042``, ``CUST-0042``) — pivots with ids as headers, lists,
  Markdown, findings and printed text, where the kit cannot tell the column;
* finally every value learnt anywhere on the page, wherever else it appears.

Error text (:meth:`Masker.error_text`) keeps the message, source, column, rule, row count and
fix of a :class:`~cxkit.errors.CxDataError` but withholds its example rows.
"""

from __future__ import annotations

import ast
import html
import re
from collections.abc import Iterable, Mapping
from typing import Any

from cxkit.schema import ID_COLUMNS

__all__ = [
    "ID_ALIASES",
    "ID_SHAPE",
    "MASK",
    "WITHHELD",
    "Masker",
    "mapped_id_columns",
    "normalise",
]

#: What a masked id shows instead.
MASK = "•••"
#: What replaces the example rows of an error.
WITHHELD = "(example rows withheld from the report: they may hold ids; see the executed notebook)"

#: Column names taken as ids wherever they appear (compared after :func:`normalise`).
ID_ALIASES = frozenset(
    {
        *ID_COLUMNS,
        "customer", "customerid", "cust_id", "custid", "customer_no", "customer_number",
        "client", "client_id", "clientid", "user", "user_id", "userid", "member_id",
        "account_id", "person_id", "respondent", "unit", "case_id",
        "contact_id", "subscriber_id", "visitor_id", "session_user_id",
    }
)  # fmt: skip
#: A token that looks like an id: 1–4 letters, an optional separator, 3+ digits.
ID_SHAPE = re.compile(r"(?<![\w.-])[A-Za-z]{1,4}[-_]?\d{3,}(?![\w-])")
#: reader keywords that name an id column
_READER_ID_ARGS = {"customer", "unit", "respondent"}
_READERS = {"read_events", "read_customers", "read_survey", "read_experiment", "validate"}
_TAG_TEXT = re.compile(r">([^<]+)<")
_ATTR_TEXT = re.compile(r'(aria-label|title|alt)="([^"]*)"')


def normalise(name: str) -> str:
    """``"Customer ID"`` → ``"customer_id"``: lower case, spaces/dots/dashes as ``_``.

    >>> normalise(" Customer-ID "), normalise("cust.id")
    ('customer_id', 'cust_id')
    """
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")


def mapped_id_columns(sources: Iterable[str], parameters: Mapping[str, Any] | None = None):
    """The id columns named to a reader in notebook code (``customer="Customer ID"``).

    Keyword values may be text or the name of a notebook parameter (looked up in
    ``parameters``). Code that does not parse is skipped.

    >>> sorted(mapped_id_columns(['ev = cx.read_events(p, customer="Kundennr")',
    ...                           "x = read_experiment(p, unit=unit_col)"], {"unit_col": "Nutzer"}))
    ['Kundennr', 'Nutzer']
    """
    found: set[str] = set()
    params = dict(parameters or {})
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name not in _READERS:
                continue
            for kw in node.keywords:
                if kw.arg not in _READER_ID_ARGS:
                    continue
                if isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                    found.add(kw.value.value)
                elif isinstance(kw.value, ast.Name) and isinstance(params.get(kw.value.id), str):
                    found.add(params[kw.value.id])
    return found


class Masker:
    """The id columns of one page and the id values seen on it (see the module docstring).

    >>> m = Masker(extra=["Kundennr"])
    >>> m.is_id("Customer ID"), m.is_id("kundennr"), m.is_id("segment")
    (True, True, False)
    >>> m.text("customer_id: C0042; n: 3 and 'Kundennr': 'K9'")
    "customer_id: •••; n: 3 and 'Kundennr': '•••'"
    >>> m.text("top customers: ['C00000001', 'C00000002']")
    "top customers: ['•••', '•••']"
    """

    def __init__(self, extra: Iterable[str] = ()) -> None:
        extra = list(extra)
        self.names = {normalise(n) for n in ID_ALIASES} | {normalise(n) for n in extra if n}
        self.values: set[str] = set()
        words = sorted(
            (r"[\s_.-]?".join(re.escape(w) for w in n.split("_")) for n in self.names),
            key=len,
            reverse=True,
        )
        names = "|".join(words)
        self._pair = re.compile(
            rf"(?P<key>(?P<q>['\"]?)\b(?:{names})\b(?P=q)\s*(?::|=)\s*)"
            rf"(?P<val>'[^']*'|\"[^\"]*\"|[^\s,;}})\]]+)",
            re.IGNORECASE,
        )
        # plain words such as "customer" or "user" mark an id column in a table header or a
        # "name: value" pair, but are ordinary English in text: whole-text withholding looks
        # for the other names only (customer_id, Customer ID, cust_id, mapped and extra ones)
        extra_names = {normalise(n) for n in extra if n}
        texty = sorted(
            (
                r"[\s_.-]?".join(re.escape(w) for w in n.split("_"))
                for n in self.names
                if "_" in n or n in extra_names
            ),
            key=len,
            reverse=True,
        )
        self._names_text = re.compile(rf"\b(?:{'|'.join(texty)})\b", re.IGNORECASE)
        self._titled = re.compile(rf"titled '(?:{names})'", re.IGNORECASE)

    # ------------------------------------------------------------------ names
    def is_id(self, name: str) -> bool:
        """Whether a column called ``name`` holds ids."""
        return normalise(html.unescape(name)) in self.names

    def names_an_id(self, text: str) -> bool:
        """Whether ``text`` names an id column anywhere."""
        return bool(self._names_text.search(text))

    def titled_by_id(self, label: str) -> bool:
        """Whether a chart axis/legend description (``aria-label``) is titled by an id column."""
        return bool(self._titled.search(label))

    # ------------------------------------------------------------------ values
    def learn(self, value: str) -> None:
        """Remember ``value`` as an id: it is masked wherever else it appears on the page."""
        value = html.unescape(value).strip()
        # (a column name is not an id: ``customer=customer`` in a traceback's code)
        if len(value) >= 2 and value != MASK and not self.is_id(value):
            self.values.add(value)

    def _pair_repl(self, m: re.Match[str]) -> str:
        val = m.group("val")
        quote = val[0] if val[:1] in {"'", '"'} and val[-1:] == val[0] and len(val) > 1 else ""
        self.learn(val[1:-1] if quote else val)
        return f"{m.group('key')}{quote}{MASK}{quote}"

    def _shape_repl(self, m: re.Match[str]) -> str:
        self.learn(m.group(0))
        return MASK

    def text(self, text: str, *, shapes: bool = True) -> str:
        """``text`` with id pairs, id-shaped tokens (when ``shapes``) and known ids masked."""
        out = self._pair.sub(self._pair_repl, text)
        if shapes:
            out = ID_SHAPE.sub(self._shape_repl, out)
        return self.known(out)

    def known(self, text: str) -> str:
        """``text`` with every value learnt so far masked (as a whole token)."""
        if not self.values or not text:
            return text
        hits = [v for v in self.values if v in text]
        if not hits:
            return text
        pattern = "|".join(re.escape(v) for v in sorted(hits, key=len, reverse=True))
        return re.sub(rf"(?<![\w-])(?:{pattern})(?![\w-])", MASK, text)

    def html_text(self, fragment: str) -> str:
        """Apply :meth:`known` to the text and the ``aria-label``/``title``/``alt`` attributes
        of an HTML fragment (never to tag or attribute names)."""
        if not self.values:
            return fragment
        out = _TAG_TEXT.sub(lambda m: ">" + self._known_html(m.group(1)) + "<", fragment)
        return _ATTR_TEXT.sub(lambda m: f'{m.group(1)}="{self._known_html(m.group(2))}"', out)

    def _known_html(self, escaped: str) -> str:
        raw = html.unescape(escaped)
        masked = self.known(raw)
        return escaped if masked == raw else html.escape(masked, quote=True)

    # ------------------------------------------------------------------ errors and results
    def error_text(self, text: str) -> str:
        """Error text for readers: a CxDataError's example rows withheld (its list of columns
        found and close matches kept), then :meth:`text`."""
        lines = str(text).splitlines()
        out: list[str] = []
        in_examples = False
        for line in lines:
            stripped = line.strip()
            if stripped == "examples:":
                in_examples = True
                out.append(line)
                out.append("    " + WITHHELD)
                continue
            if in_examples and line.startswith("    "):
                if stripped.startswith(("'columns found:", "'close matches:")):
                    out.append(line)
                continue
            in_examples = False
            out.append(line)
        return self.text("\n".join(out))

    def json(self, value: Any, key: str = "") -> Any:
        """A JSON value (recorded results) with ids masked; a value recorded under an id name
        (``cx.record("customer_id", …)``) is masked whole."""
        if isinstance(value, str):
            return MASK if key and self.is_id(key) else self.text(value)
        if isinstance(value, list):
            return [self.json(v, key) for v in value]
        if isinstance(value, dict):
            return {k: self.json(v, str(k)) for k, v in value.items()}
        if key and self.is_id(key) and value is not None and not isinstance(value, bool):
            return MASK
        return value
