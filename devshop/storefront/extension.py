"""The theme app extension as Shopify reads it: blocks and their schema, snippets, locales, assets.

devshop renders the real files of `extensions/cancel-button/`, so what the storefront shows is
what a shop would show. Settings take their defaults from each block's `{% schema %}`, as in the
theme editor; translations fall back from `nl-BE` to `nl` to the `*.default.json` locale.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXTENSION_DIR = Path(__file__).resolve().parents[2] / "extensions" / "cancel-button"

_SCHEMA = re.compile(r"{%-?\s*schema\s*-?%}(?P<json>.*?){%-?\s*endschema\s*-?%}", re.DOTALL)


@dataclass(frozen=True)
class Block:
    """One file of `blocks/`: its Liquid source and its parsed schema."""

    handle: str  # the file's stem, "order-cancel"
    source: str
    schema: dict[str, Any]

    @property
    def settings(self) -> list[dict[str, Any]]:
        return [s for s in self.schema.get("settings", []) if "id" in s]

    def default_settings(self) -> dict[str, object]:
        """`block.settings` of a newly added block: each default, or what Shopify gives without."""
        defaults: dict[str, object] = {}
        for setting in self.settings:
            if "default" in setting:
                defaults[setting["id"]] = setting["default"]
            elif setting["type"] == "checkbox":
                defaults[setting["id"]] = False
            else:
                defaults[setting["id"]] = None  # an empty text setting is nil in Liquid
        return defaults

    def parse_setting(self, setting_id: str, raw: str) -> object:
        """A setting's value from a query string, typed as the schema says; KeyError if unknown."""
        setting = next(s for s in self.settings if s["id"] == setting_id)
        kind = setting["type"]
        if kind == "checkbox":
            return raw.strip().lower() in {"1", "true", "on", "yes"}
        if kind in {"number", "range"}:
            return float(raw) if "." in raw else int(raw)
        if kind == "select" and raw not in {o["value"] for o in setting.get("options", [])}:
            raise ValueError(f"{raw!r} is not an option of {setting_id}")
        return raw if raw != "" else None

    @property
    def javascript(self) -> str | None:
        value = self.schema.get("javascript")
        return value if isinstance(value, str) else None

    @property
    def stylesheet(self) -> str | None:
        value = self.schema.get("stylesheet")
        return value if isinstance(value, str) else None


@dataclass(frozen=True)
class ThemeAppExtension:
    root: Path
    name: str
    blocks: Mapping[str, Block] = field(repr=False)

    @classmethod
    def load(cls, root: Path = EXTENSION_DIR) -> ThemeAppExtension:
        config = tomllib.loads((root / "shopify.extension.toml").read_text())
        if config.get("type") != "theme":
            raise ValueError(f"{root} is not a theme app extension")
        blocks = {}
        for path in sorted((root / "blocks").glob("*.liquid")):
            source = path.read_text()
            match = _SCHEMA.search(source)
            if match is None:
                raise ValueError(f"{path.name} has no schema")
            blocks[path.stem] = Block(path.stem, source, json.loads(match["json"]))
        return cls(root=root, name=str(config["name"]), blocks=blocks)

    @property
    def snippets_dir(self) -> Path:
        return self.root / "snippets"

    @property
    def default_locale(self) -> str:
        return _default_locale(self.root)

    @property
    def locales(self) -> list[str]:
        """Storefront locales the extension translates into, the default first."""
        names = {p.name.split(".")[0] for p in (self.root / "locales").glob("*.json")}
        return sorted(names, key=lambda n: (n != self.default_locale, n))

    def translations(self, locale: str) -> Mapping[str, Any]:
        """The storefront strings for `locale` (falling back as Shopify does), never empty."""
        return _translations(self.root, self.resolve_locale(locale))

    def resolve_locale(self, locale: str) -> str:
        """The locale whose file answers for `locale`: itself, its language, or the default."""
        known = set(self.locales)
        for candidate in (locale, locale.split("-")[0]):
            if candidate in known:
                return candidate
        return self.default_locale

    def asset(self, name: str) -> Path | None:
        """The file `assets/<name>`, or None; never a path outside `assets/`."""
        assets = (self.root / "assets").resolve()
        path = (assets / name).resolve()
        return path if path.parent == assets and path.is_file() else None


def _default_locale(root: Path) -> str:
    defaults = [p.name.split(".")[0] for p in (root / "locales").glob("*.default.json")]
    if len(defaults) != 1:
        raise ValueError(f"{root} needs exactly one locales/*.default.json")
    return defaults[0]


def _translations(root: Path, locale: str) -> Mapping[str, Any]:
    locales = root / "locales"
    path = locales / f"{locale}.json"
    if not path.exists():
        path = locales / f"{locale}.default.json"
    data: dict[str, Any] = json.loads(path.read_text())
    return data
