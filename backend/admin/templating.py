"""App Home's templates: Jinja2 through Starlette, autoescaped, in the merchant's language.

Every value a template prints is escaped unless the template says otherwise, and none does. The
i18n extension's `_()`/`gettext()` read the request's `speaker` (its catalog) from the template
context, so two requests in two languages can render at once. They are "new style": a
translation is trusted markup from our own catalogs, and `_("Order %(number)s", number=x)`
escapes `x` as it fills it in. Only strings of ours go through `_()`: the merchant's and the
customer's words are printed as they are, escaped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.templating import Jinja2Templates

TEMPLATES_DIR = Path(__file__).with_name("templates")


@pass_context
def _gettext(context: Context, message: str) -> str:
    return str(context["speaker"].gettext(message))


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return str(context["speaker"].ngettext(singular, plural, n))


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    gettext_callables: Any = env
    gettext_callables.install_gettext_callables(_gettext, _ngettext, newstyle=True)
    return env


templates = Jinja2Templates(env=environment())
