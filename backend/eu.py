"""Countries whose consumers have the EU's right of withdrawal: the EU member states and the
other EEA states (Iceland, Liechtenstein, Norway), as ISO 3166-1 alpha-2 codes.

The cancellation fee never applies to orders shipping there (issue 11), and the withdrawal
function (issue 15) is offered there: both read this one list.
"""

from __future__ import annotations

EU_MEMBER_STATES = frozenset(
    {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
     "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}
)  # fmt: skip
EEA_ONLY = frozenset({"IS", "LI", "NO"})
EU_EEA = EU_MEMBER_STATES | EEA_ONLY


def in_eu_eea(country_code: str | None) -> bool:
    """Whether a shipping address's `countryCodeV2` is in the EU or the EEA."""
    return bool(country_code) and str(country_code).upper() in EU_EEA
