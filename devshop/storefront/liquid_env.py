"""Shopify's Liquid, as far as our theme app block needs it, on python-liquid.

python-liquid gives standard Liquid (tags, filters, `{% liquid %}`, `{% render %}`, `{% doc %}`);
Shopify adds the `{% schema %}` tag (parsed, never rendered) and filters: `t` (translations with
interpolation and pluralisation, HTML-escaped unless the key ends in `_html`), `asset_url`,
`json`, `stylesheet_tag` and `script_tag`. Like Shopify, nothing is auto-escaped, unknown filters
are errors, and an unknown variable is nil.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TextIO

from liquid import Environment, FileSystemLoader
from liquid.ast import Node
from liquid.exceptions import LiquidSyntaxError
from liquid.filter import with_context
from liquid.tag import Tag
from liquid.token import TOKEN_EOF, TOKEN_TAG, Token

from devshop.storefront.extension import ThemeAppExtension

if TYPE_CHECKING:
    from liquid import RenderContext, TokenStream

_PLACEHOLDER = re.compile(r"{{\s*(\w+)\s*}}")
_PLURAL_KEYS = frozenset({"zero", "one", "two", "few", "many", "other"})


class SchemaNode(Node):
    """`{% schema %}…{% endschema %}`: JSON for the theme editor, nothing on the page."""

    def __init__(self, token: Token, text: str) -> None:
        super().__init__(token)
        self.text = text

    def __str__(self) -> str:
        return f"{{% schema %}}{self.text}{{% endschema %}}"

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        return 0


class SchemaTag(Tag):
    name = "schema"
    end = "endschema"
    node_class = SchemaNode

    def parse(self, stream: TokenStream) -> Node:
        token = stream.eat(TOKEN_TAG)
        text: list[str] = []
        while not (stream.current.kind == TOKEN_TAG and stream.current.value == self.end):
            if stream.current.kind == TOKEN_EOF:
                raise LiquidSyntaxError("schema tag was never closed", token=token)
            text.append(stream.current.value)
            next(stream)
        try:
            json.loads("".join(text))
        except json.JSONDecodeError as error:
            raise LiquidSyntaxError(f"invalid JSON in schema: {error}", token=token) from error
        return self.node_class(token, "".join(text))


def translate(
    translations: Mapping[str, Any], locale: str, key: str, variables: Mapping[str, object]
) -> str:
    """Shopify's `t`: look `key` up, pick the plural form for `count`, fill in `{{ name }}`."""
    value: object = translations
    for part in key.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    if isinstance(value, Mapping) and value.keys() <= _PLURAL_KEYS:
        count = variables.get("count")
        form = "one" if count == 1 else "zero" if count == 0 and "zero" in value else "other"
        value = value.get(form)
    if not isinstance(value, str):
        return f"translation missing: {locale}.{key}"
    text = _PLACEHOLDER.sub(lambda m: _to_text(variables.get(m[1], "")), value)
    return text if key.endswith("_html") else html.escape(text)


def _to_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _json(value: object) -> str:
    # Like Shopify's `json`: safe inside <script> because `<`, `>` and `&` are \u-escaped.
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def block_environment(extension: ThemeAppExtension, asset_url: Callable[[str], str]) -> Environment:
    """An environment that renders `extension`'s blocks; `{% render %}` reads its snippets."""
    env = Environment(loader=FileSystemLoader(extension.snippets_dir, ext=".liquid"))
    env.add_tag(SchemaTag)

    @with_context
    def t(key: object, *, context: RenderContext, **variables: object) -> str:
        locale = _context_locale(context) or extension.default_locale
        return translate(extension.translations(locale), locale, str(key), variables)

    env.add_filter("t", t)
    env.add_filter("translate", t)
    env.add_filter("asset_url", lambda name: asset_url(str(name)))
    env.add_filter("json", _json)
    env.add_filter("stylesheet_tag", _stylesheet_tag)
    env.add_filter("script_tag", _script_tag)
    return env


def _stylesheet_tag(url: object) -> str:
    href = html.escape(str(url))
    return f'<link href="{href}" rel="stylesheet" type="text/css" media="all" />'


def _script_tag(url: object) -> str:
    return f'<script src="{html.escape(str(url))}" type="text/javascript"></script>'


def theme_environment(templates: FileSystemLoader) -> Environment:
    """The environment of devshop's own minimal theme (layout and customer templates)."""
    env = Environment(loader=templates)
    env.add_filter("json", _json)
    return env


def _context_locale(context: RenderContext) -> str | None:
    request = context.resolve("request", default=None)
    if not isinstance(request, Mapping):
        return None
    locale = request.get("locale")
    code = locale.get("iso_code") if isinstance(locale, Mapping) else None
    return code if isinstance(code, str) else None
