"""The UI extensions build from Shopify's npm packages into bundles under Shopify's limit, and
their shared logic passes its Node tests. `make test` runs both through here."""

from __future__ import annotations

import json
import shutil
import subprocess
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
LIMIT = 64 * 1024
LOCALES = ("en.default", "nl", "de", "fr", "es")
EXTENSIONS = ("cancel-thank-you", "cancel-order-action", "withdraw-order-action")


def node() -> str:
    path = shutil.which("node")
    assert path, "node is needed to build the UI extensions (make setup installs it)"
    return path


def test_bundles_build_well_under_shopifys_compressed_limit() -> None:
    result = subprocess.run(
        [node(), "scripts/build-extensions.mjs", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    sizes = json.loads(result.stdout)
    assert {s["file"].split("/")[1] for s in sizes} == set(EXTENSIONS)
    for size in sizes:
        assert (ROOT / size["file"]).is_file()
        assert size["gzip"] < LIMIT / 4, size


def test_extension_logic_passes_its_node_tests() -> None:
    result = subprocess.run(
        [node(), "--test", "tests/extensions/ui/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# fail 0" in result.stdout
    assert "# pass 0" not in result.stdout


def test_extensions_target_the_pinned_api_version_with_network_access() -> None:
    package = json.loads((ROOT / "package.json").read_text())
    pinned = package["devDependencies"]["@shopify/ui-extensions"]
    year, month = pinned.split(".")[:2]
    for name in EXTENSIONS:
        config = tomllib.loads((ROOT / "extensions" / name / "shopify.extension.toml").read_text())
        assert config["api_version"] == f"{year}-{int(month):02d}"
        (extension,) = config["extensions"]
        assert extension["capabilities"]["network_access"] is True
        for target in extension["targeting"]:
            assert (ROOT / "extensions" / name / target["module"]).is_file()


def test_every_locale_has_every_key_of_english() -> None:
    def keys(data: dict[str, object], prefix: str = "") -> set[str]:
        found: set[str] = set()
        for key, value in data.items():
            if isinstance(value, dict):
                found |= keys(value, f"{prefix}{key}.")
            else:
                found.add(prefix + key)
        return found

    for name in EXTENSIONS:
        folder = ROOT / "extensions" / name / "locales"
        english = keys(json.loads((folder / "en.default.json").read_text()))
        for locale in LOCALES:
            assert keys(json.loads((folder / f"{locale}.json").read_text())) == english, locale
