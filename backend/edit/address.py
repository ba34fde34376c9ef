"""A new shipping address, checked before it goes anywhere near Shopify.

`check_address` is pure: the customer's fields, the order's current country and where it may
ship to in; the cleaned address and every field's problem out, each with a code the surfaces
translate and an English message. Limits are ours and deliberately tight: a label printer and a
courier read these fields, so a field must fit on a label and be in a script the destination's
post can read (Latin everywhere; the local script where one is in use).
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, fields

from backend.edit.zones import Destinations


class FieldProblem(enum.StrEnum):
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    WRONG_SCRIPT = "WRONG_SCRIPT"  # letters the destination's post cannot be expected to read
    INVALID = "INVALID"  # control characters, or a postcode or phone of the wrong shape
    NOT_SHIPPABLE = "NOT_SHIPPABLE"  # the shop does not ship there on this order
    COUNTRY_CHANGE = "COUNTRY_CHANGE"  # the merchant does not allow another country


@dataclass(frozen=True, slots=True)
class Address:
    """A shipping address as the storefront sends it; field names as in MailingAddressInput."""

    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    province_code: str | None = None
    zip: str | None = None
    country_code: str | None = None
    phone: str | None = None

    def as_input(self) -> dict[str, str]:
        """MailingAddressInput's camelCase fields, the empty ones left out."""
        names = {
            "first_name": "firstName",
            "last_name": "lastName",
            "province_code": "provinceCode",
            "country_code": "countryCode",
        }
        return {
            names.get(item.name, item.name): value
            for item in fields(self)
            if (value := getattr(self, item.name))
        }


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str  # the storefront input's name: "zip", "countryCode"
    problem: FieldProblem
    message: str


LIMITS: Mapping[str, int] = {
    "first_name": 50,
    "last_name": 50,
    "company": 100,
    "address1": 100,
    "address2": 100,
    "city": 60,
    "province_code": 8,
    "zip": 12,
    "country_code": 2,
    "phone": 20,
}
REQUIRED = ("last_name", "address1", "city", "country_code")
CAMEL = {
    "first_name": "firstName",
    "last_name": "lastName",
    "province_code": "provinceCode",
    "country_code": "countryCode",
}
LABELS = {
    "first_name": "first name",
    "last_name": "last name",
    "address1": "street and number",
    "address2": "second address line",
    "province_code": "province",
    "zip": "postcode",
    "country_code": "country",
}

# Postcodes where their shape is fixed and well known; elsewhere letters, digits, space, dash.
POSTCODES: Mapping[str, re.Pattern[str]] = {
    "NL": re.compile(r"[1-9][0-9]{3} ?[A-Z]{2}"),
    "BE": re.compile(r"[1-9][0-9]{3}"),
    "LU": re.compile(r"(L-)?[0-9]{4}"),
    "DE": re.compile(r"[0-9]{5}"),
    "FR": re.compile(r"[0-9]{5}"),
    "ES": re.compile(r"[0-9]{5}"),
    "AT": re.compile(r"[0-9]{4}"),
    "IT": re.compile(r"[0-9]{5}"),
    "US": re.compile(r"[0-9]{5}(-[0-9]{4})?"),
    "CA": re.compile(r"[A-Z][0-9][A-Z] ?[0-9][A-Z][0-9]"),
    "GB": re.compile(r"[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2}"),
}
_ANY_POSTCODE = re.compile(r"[A-Z0-9][A-Z0-9 -]*")
_PHONE = re.compile(r"\+?[0-9 ()-]{6,20}")

# Scripts a country's post reads besides Latin (by the first word of the Unicode name).
_LOCAL_SCRIPTS: Mapping[str, frozenset[str]] = {
    **dict.fromkeys(
        ("RU", "BY", "UA", "BG", "RS", "MK", "KZ", "KG", "MN"), frozenset({"CYRILLIC"})
    ),
    **dict.fromkeys(("GR", "CY"), frozenset({"GREEK"})),
    "JP": frozenset({"CJK", "HIRAGANA", "KATAKANA"}),
    **dict.fromkeys(("CN", "TW", "HK", "MO"), frozenset({"CJK"})),
    "KR": frozenset({"HANGUL", "CJK"}),
    "IL": frozenset({"HEBREW"}),
    **dict.fromkeys(
        ("AE", "SA", "EG", "MA", "DZ", "TN", "JO", "QA", "KW", "BH", "OM"), frozenset({"ARABIC"})
    ),
    "TH": frozenset({"THAI"}),
}


def _script(char: str) -> str:
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] if name else "UNKNOWN"


def _text_problem(value: str, country: str | None) -> FieldProblem | None:
    allowed = {"LATIN"} | _LOCAL_SCRIPTS.get(country or "", frozenset())
    for char in value:
        category = unicodedata.category(char)
        if category[0] == "C":
            return FieldProblem.INVALID  # control, format (zero-width, bidi), unassigned
        if category[0] == "L" and _script(char) not in allowed:
            return FieldProblem.WRONG_SCRIPT
        if category[0] == "N" and not char.isascii():
            return FieldProblem.WRONG_SCRIPT  # digits the sorting machines read: 0-9
        if category[0] == "S" and char not in "&+°º":
            return FieldProblem.WRONG_SCRIPT  # symbols and emoji
    return None


def _message(name: str, problem: FieldProblem, limit: int) -> str:
    label = LABELS.get(name, name.replace("_", " "))
    return {
        FieldProblem.REQUIRED: f"Please fill in the {label}.",
        FieldProblem.TOO_LONG: f"The {label} can be at most {limit} characters.",
        FieldProblem.WRONG_SCRIPT: f"Please write the {label} in letters the post can read.",
        FieldProblem.INVALID: f"Please check the {label}.",
        FieldProblem.NOT_SHIPPABLE: "The shop can't ship this order to that country.",
        FieldProblem.COUNTRY_CHANGE: "The delivery country of this order can't be changed.",
    }[problem]


def clean(value: str | None) -> str | None:
    """Trimmed, runs of spaces made one, NFC; None when nothing is left."""
    if value is None:
        return None
    text = " ".join(unicodedata.normalize("NFC", value).split(" "))
    text = re.sub(r" {2,}", " ", text).strip()
    return text or None


def check_address(
    given: Address, current_country: str | None, destinations: Destinations
) -> tuple[Address, list[FieldError]]:
    """The address cleaned, and what is wrong with it (nothing: it may be sent)."""
    values = {item.name: clean(getattr(given, item.name)) for item in fields(given)}
    for name in ("country_code", "province_code", "zip"):
        if values[name]:
            values[name] = values[name].upper()  # type: ignore[union-attr]
    country = values["country_code"]
    errors: list[FieldError] = []

    def problem(name: str, kind: FieldProblem) -> None:
        errors.append(FieldError(CAMEL.get(name, name), kind, _message(name, kind, LIMITS[name])))

    for name, value in values.items():
        limit = LIMITS[name]
        if value is None:
            if name in REQUIRED:
                problem(name, FieldProblem.REQUIRED)
            continue
        if len(value) > limit:
            problem(name, FieldProblem.TOO_LONG)
        elif name == "country_code":
            if not re.fullmatch(r"[A-Z]{2}", value):
                problem(name, FieldProblem.INVALID)
            elif value != current_country and not destinations.country_change:
                problem(name, FieldProblem.COUNTRY_CHANGE)
            elif not destinations.ships_to(value):
                problem(name, FieldProblem.NOT_SHIPPABLE)
        elif name == "zip":
            shape = POSTCODES.get(country or "", _ANY_POSTCODE)
            if not shape.fullmatch(value):
                problem(name, FieldProblem.INVALID)
        elif name == "phone":
            if not _PHONE.fullmatch(value):
                problem(name, FieldProblem.INVALID)
        elif name == "province_code":
            if not re.fullmatch(r"[A-Z0-9-]{1,8}", value):
                problem(name, FieldProblem.INVALID)
        elif (found := _text_problem(value, country)) is not None:
            problem(name, found)
    if values["zip"] is None and country in POSTCODES:
        problem("zip", FieldProblem.REQUIRED)
    return Address(**values), errors
