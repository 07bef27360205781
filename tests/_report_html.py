"""Checks on report HTML shared by the report, CLI and browser tests: a page is inert."""

from __future__ import annotations

from html.parser import HTMLParser

EVIL = "<img src=x onerror=alert(1)>"
EVIL_TEXT = "&lt;img src=x onerror=alert(1)&gt;"


class _Collector(HTMLParser):
    """Every element (tag, attrs) and the text of a page, as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse(page: str) -> _Collector:
    c = _Collector()
    c.feed(page)
    c.close()
    return c


def assert_inert(page: str) -> _Collector:
    """No script, no event handler, no external or relative load, nothing but data: images."""
    c = parse(page)
    tags = [t for t, _ in c.elements]
    assert "script" not in tags and "iframe" not in tags and "object" not in tags
    for tag, attrs in c.elements:
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        for key in ("src", "href", "xlink:href"):
            value = (attrs.get(key) or "").strip()
            if not value:
                continue
            if tag in {"img", "image"}:
                assert value.startswith("data:image/"), (tag, attrs)
            else:
                assert value.startswith("#") or (tag == "a" and value.endswith(".html")), (
                    tag,
                    attrs,
                )
        if tag == "link" or tag == "base":
            raise AssertionError(f"<{tag}> must not appear: {attrs}")
        for value in attrs.values():
            assert "javascript:" not in (value or "").lower()
    return c
