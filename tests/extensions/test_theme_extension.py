"""The theme app extension `extensions/cancel-button/`: Shopify's limits and our own promises.

Theme Check is Shopify's own linter for it (run offline by scripts/theme-check.mjs); the rest
checks what Theme Check does not: sizes we promise, complete locales, words for every refusal.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import graphql
import pytest

from backend.graphql.schema import sdl
from backend.policy import DEFAULT_REASONS, CancelBlock
from tests.extensions.block_scripts import block_javascript, block_scripts

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "extensions" / "cancel-button"
LOCALES = EXTENSION / "locales"
LANGUAGES = ("en", "nl", "de", "fr", "es")
JS_LIMIT = 10_000  # Shopify's AssetSizeAppBlockJavaScript threshold, on the raw file
LOCALE_LIMIT = 15 * 1024


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat |= flatten(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def locale_file(language: str, schema: bool) -> Path:
    suffix = ".schema.json" if schema else ".json"
    default = LOCALES / f"{language}.default{suffix}"
    return default if default.exists() else LOCALES / f"{language}{suffix}"


def strings(language: str, schema: bool = False) -> dict[str, str]:
    return flatten(json.loads(locale_file(language, schema).read_text()))


def block_source() -> str:
    return (EXTENSION / "blocks" / "order-cancel.liquid").read_text()


def block_schema() -> dict[str, Any]:
    match = re.search(r"{%\s*schema\s*%}(.*?){%\s*endschema\s*%}", block_source(), re.DOTALL)
    assert match is not None
    schema: dict[str, Any] = json.loads(match[1])
    return schema


def test_theme_check_reports_no_offenses() -> None:
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "@shopify" / "theme-check-node").exists():
        pytest.fail("Theme Check needs node and `npm ci` at the repository root (make setup)")
    result = subprocess.run(
        [node, "scripts/theme-check.mjs", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    assert report["files"] >= 10, "Theme Check did not see the extension"
    assert report["offenses"] == [], json.dumps(report["offenses"], indent=2)
    assert result.returncode == 0


def test_javascript_stays_within_shopifys_budget() -> None:
    # Theme Check measures the schema's `javascript` only; the files the block loads itself are
    # held to the same budget, so none of them can grow into what the split was for.
    scripts = block_scripts()
    assert scripts[0].name == block_schema()["javascript"]
    assert {
        path.name: path.stat().st_size for path in scripts if path.stat().st_size > JS_LIMIT
    } == {}


def test_every_script_in_the_extension_is_loaded_by_a_block() -> None:
    # The cancel block's scripts, and each other block's own (the withdrawal's, issue 15).
    loaded = {path.name for path in block_scripts()}
    for block in (EXTENSION / "blocks").glob("*.liquid"):
        if block.name != "order-cancel.liquid":
            schema = block.read_text().split("{% schema %}")[1].split("{% endschema %}")[0]
            loaded.add(json.loads(schema)["javascript"])
    assert loaded == {path.name for path in (EXTENSION / "assets").glob("*.js")}


def test_javascript_defines_one_element_per_file_and_no_globals() -> None:
    for path in block_scripts():
        source = path.read_text()
        code = [line for line in source.splitlines() if line and not line.startswith("//")]
        # One custom element per file, named after the file.
        element = path.stem
        assert code[0].startswith(
            f"customElements.get('{element}') || customElements.define('{element}',"
        ), path.name
        assert source.count("customElements.define(") == 1, path.name
        # Top-level declarations in a classic script would be globals shared with the theme.
        assert not [line for line in code if re.match(r"(var|let|const|function|class)\b", line)]
        assert "window." not in source and "globalThis" not in source, path.name


def test_javascript_parses() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed to check the block's JavaScript")
    for script in block_scripts():
        result = subprocess.run([node, "--check", str(script)], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("schema", [False, True], ids=["storefront", "theme-editor"])
def test_every_language_has_every_string(schema: bool) -> None:
    english = strings("en", schema)
    for language in LANGUAGES[1:]:
        translated = strings(language, schema)
        assert translated.keys() == english.keys(), language
        assert all(value.strip() for value in translated.values()), language


@pytest.mark.parametrize("schema", [False, True], ids=["storefront", "theme-editor"])
def test_translations_keep_their_placeholders(schema: bool) -> None:
    english = strings("en", schema)
    for language in LANGUAGES[1:]:
        for key, value in strings(language, schema).items():
            placeholders = set(re.findall(r"{{\s*(\w+)\s*}}", value))
            assert placeholders == set(re.findall(r"{{\s*(\w+)\s*}}", english[key])), (
                f"{language}: {key}"
            )


def test_locale_files_are_within_shopifys_limit() -> None:
    files = sorted(LOCALES.glob("*.json"))
    assert len(files) == 2 * len(LANGUAGES)
    assert [f.name for f in files if f.stat().st_size > LOCALE_LIMIT] == []
    assert {f.name for f in files if ".default." in f.name} == {
        "en.default.json",
        "en.default.schema.json",
    }


def test_every_refusal_has_words_in_every_language() -> None:
    messages = (EXTENSION / "snippets" / "order-cancel-messages.liquid").read_text()
    for block in CancelBlock:
        assert f'data-m="{block.value}"' in messages, block
        assert f"'order_cancel.blocked.{block.value.lower()}'" in messages, block
        for language in LANGUAGES:
            assert strings(language)[f"order_cancel.blocked.{block.value.lower()}"], language


def test_the_apps_default_reasons_are_translated() -> None:
    messages = (EXTENSION / "snippets" / "order-cancel-messages.liquid").read_text()
    for reason in DEFAULT_REASONS:
        assert f'data-m="reason.{reason.code}"' in messages
        for language in LANGUAGES:
            assert strings(language)[f"order_cancel.reasons.{reason.code.lower()}"]


def test_block_schema_targets_the_customer_pages() -> None:
    schema = block_schema()
    assert len(schema["name"]) < 25 or schema["name"].startswith("t:")
    assert schema["target"] == "section"
    assert schema["enabled_on"] == {"templates": ["customers/order", "customers/account"]}
    assert (EXTENSION / "assets" / schema["stylesheet"]).is_file()
    defaults = {s["id"]: s.get("default") for s in schema["settings"] if "id" in s}
    assert defaults["proxy_path"] == "/apps/cancel"


def test_block_name_fits_the_theme_editor() -> None:
    for language in LANGUAGES:
        assert len(strings(language, schema=True)["blocks.order_cancel.name"]) < 25


def test_the_scripts_queries_are_valid_against_the_backends_schema() -> None:
    source = block_javascript()
    # Each document is one string literal, or literals joined with `+`.
    documents = [
        "".join(re.findall(r"'([^']*)'", match))
        for match in re.findall(r"'(?:query|mutation)\(.*?'\s*,", source, re.DOTALL)
    ]
    assert len(documents) == 9, documents
    schema = graphql.build_schema(sdl())
    for document in documents:
        assert graphql.validate(schema, graphql.parse(document)) == [], document
    # One post() sends them all: the block's own element's.
    [core, *parts] = [path.read_text() for path in block_scripts()]
    assert "'Content-Type': 'application/json'" in core
    assert "method: 'POST'" in core
    assert all("fetch(" not in part for part in parts)
