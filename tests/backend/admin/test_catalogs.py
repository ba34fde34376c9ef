"""The catalogs hold every string App Home shows, translated, and nothing else: a string added
to a template without a translation, or left in a catalog after the template dropped it, fails
here. The fix is the README's "App Home's languages" workflow."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from backend.admin.i18n import DEFAULT_LANGUAGE, LANGUAGES, LOCALES_DIR, catalog_path

ADMIN = LOCALES_DIR.parent
TRANSLATED = [language for language in LANGUAGES if language != DEFAULT_LANGUAGE]
_BRACES = re.compile(r"\{\w+\}")
_PERCENT = re.compile(r"%\(\w+\)s")


def extracted() -> set[str]:
    """What the templates and the Python code mark for translation, as `pybabel extract`."""
    with (ADMIN / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    return {
        message if isinstance(message, str) else message[0]
        for _, _, message, _, _ in extract_from_dir(str(ADMIN), method_map, options_map)
    }


def read(path: Path) -> Catalog:
    with path.open("rb") as source:
        return read_po(source)


def messages(catalog: Catalog) -> Iterator[tuple[str, str]]:
    for message in catalog:
        if message.id and isinstance(message.id, str) and isinstance(message.string, str):
            yield message.id, message.string


def test_the_template_catalog_is_up_to_date() -> None:
    pot = read(LOCALES_DIR / "messages.pot")

    assert {msgid for msgid, _ in messages(pot)} == extracted()


def test_extraction_finds_the_strings_of_templates_and_code() -> None:
    found = extracted()

    assert "Save rules" in found  # a template's
    assert "Window closed" in found  # views.py's, marked with N_
    assert "Insights" in found  # screens.py's


@pytest.mark.parametrize("language", TRANSLATED)
def test_each_catalog_translates_every_string_and_no_other(language: str) -> None:
    catalog = read(catalog_path(language))
    wanted = extracted()

    have = dict(messages(catalog))
    assert sorted(wanted - set(have)) == [], "missing"
    assert sorted(set(have) - wanted) == [], "no longer used"
    assert [msgid for msgid, text in have.items() if not text.strip()] == [], "untranslated"
    assert [m.id for m in catalog if m.id and m.fuzzy] == [], "fuzzy"
    assert catalog.locale is not None and str(catalog.locale) == language


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_every_placeholder(language: str) -> None:
    catalog = read(catalog_path(language))

    for msgid, text in messages(catalog):
        assert sorted(_PERCENT.findall(text)) == sorted(_PERCENT.findall(msgid)), msgid
        assert sorted(_BRACES.findall(text)) == sorted(_BRACES.findall(msgid)), msgid
    assert [error for error in catalog.check()] == []
