"""App Home in the merchant's language: gettext catalogs through Babel, chosen per request.

Shopify opens an embedded app with the admin user's language as `locale` ("nl", "pt-BR"); the
page answers in the closest language we have, English when we have none of it. The catalogs are
the `.po` sources under `locales/`, read once at start-up (`load_catalogs`) and compiled in
memory: no generated `.mo` file is kept in the repository or needs a build step.

Dates, numbers and percentages go through Babel's CLDR data for the same locale, so Dutch reads
"1.234" and "12,5%", German "12,5 %".
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, parse_pattern
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).with_name("locales")
DOMAIN = "messages"
DEFAULT_LANGUAGE = "en"  # the templates' own language: its "catalog" is the msgids themselves
LANGUAGES = ("en", "nl", "de", "fr", "es")


def N_(message: str) -> str:
    """Mark `message` for extraction; it is translated later, where it is shown."""
    return message


def language_of(locale: str | None) -> str:
    """The language we speak closest to Shopify's `locale`: "nl-BE" -> "nl", "pt-BR" -> "en"."""
    if not locale:
        return DEFAULT_LANGUAGE
    language = locale.strip().replace("_", "-").split("-")[0].lower()
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def catalog_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def _compile(po: Path, language: str) -> Translations:
    with po.open("rb") as source:
        catalog = read_po(source, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


@cache
def load_catalogs() -> Mapping[str, NullTranslations]:
    """Every language's translations, compiled from its `.po` once per process."""
    loaded: dict[str, NullTranslations] = {DEFAULT_LANGUAGE: NullTranslations()}
    for language in LANGUAGES:
        if language != DEFAULT_LANGUAGE:
            loaded[language] = _compile(catalog_path(language), language)
    return loaded


@dataclass(frozen=True, slots=True)
class Speaker:
    """One language's words and formats, for one rendering."""

    language: str
    translations: NullTranslations

    @classmethod
    def for_locale(cls, locale: str | None) -> Speaker:
        language = language_of(locale)
        return cls(language, load_catalogs()[language])

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def number(self, value: int | float) -> str:
        return format_decimal(value, locale=self.language)

    def money(self, value: Decimal, currency: str) -> str:
        """An amount in the shop's currency ("€12.50", "12,50 €"); a bare number without one."""
        if not currency:
            return format_decimal(value, locale=self.language)
        return format_currency(value, currency, locale=self.language)

    def percent(self, value: float) -> str:
        """The language's own percent pattern, with one decimal: "12.5%", "12,5 %"."""
        locale = Locale.parse(self.language)
        pattern = parse_pattern(locale.percent_formats[None].pattern)
        pattern.frac_prec = (1, 1)
        return str(pattern.apply(value, locale))

    def day(self, value: date) -> str:
        """A day on an axis: "Nov 26", "26 nov", "26. Nov."."""
        return format_skeleton("MMMd", value, locale=self.language)

    def date(self, value: date) -> str:
        """A day in a sentence: "November 26, 2026", "26 november 2026"."""
        return format_date(value, format="long", locale=self.language)

    def moment(self, value: datetime) -> str:
        """An instant, in UTC: "11/26/26, 2:05 PM", "26-11-2026, 14:05"."""
        return format_datetime(value, format="short", tzinfo=UTC, locale=self.language)
