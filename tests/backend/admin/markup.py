"""Reading App Home's HTML as a browser's parser sees it: its elements and their attributes, the
URLs it would follow, and where each piece of text sits."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "poster"})
# Right-to-left overrides and their kin: text that holds one must sit in an element that keeps
# its effect inside (its own box or paragraph), so it cannot turn the page's own words around.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ISOLATING = frozenset({"bdi", "textarea", "title", "desc", "text", "th", "td"})


@dataclass
class Page(HTMLParser):
    elements: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    attributes: list[tuple[str, str, str]] = field(default_factory=list)  # tag, name, value
    texts: list[tuple[tuple[str, ...], str]] = field(default_factory=list)  # open tags, text
    open: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, tuple(sorted(name for name, _ in attrs))))
        self.attributes += [(tag, name, value or "") for name, value in attrs]
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, tuple(sorted(name for name, _ in attrs))))
        self.attributes += [(tag, name, value or "") for name, value in attrs]

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            while self.open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.texts.append((tuple(self.open), data))

    def urls(self) -> list[str]:
        return [value for _, name, value in self.attributes if name in URL_ATTRIBUTES]

    def unisolated_bidi(self) -> list[str]:
        """Text with a bidi control outside any element that would contain it."""
        return [
            text
            for tags, text in self.texts
            if BIDI_CONTROLS & set(text) and not ISOLATING & set(tags)
        ] + [
            f"{tag} {name}"
            for tag, name, value in self.attributes
            if BIDI_CONTROLS & set(value) and tag not in {"input", "textarea"}
        ]


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page
