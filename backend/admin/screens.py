"""App Home's screens, and the navigation Shopify's admin shows for them.

One list drives both navigations: App Bridge's `<s-app-nav>` (the admin draws it in its own
sidebar, or in the title bar's menu on mobile) and the page's plain `<nav>` for when App Bridge
is not there (tests, devshop offline). A new screen is one entry here and one template; what
data it needs is named in `needs`, and the page loads only that.

`/` is the overview the admin opens first (the app's name in the sidebar links to it, so it is
the `rel="home"` entry, which Shopify does not list again): the rules and the insights on one
page, as App Home has always been.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from backend.admin.i18n import N_


@dataclass(frozen=True, slots=True)
class Screen:
    name: str
    path: str
    title: str  # an English msgid, translated where it is shown
    template: str
    needs: frozenset[str]  # "rules", "insights"


HOME = Screen("home", "/", N_("Overview"), "home.html", frozenset({"rules", "insights"}))
SCREENS: Sequence[Screen] = (
    Screen("rules", "/rules", N_("Rules"), "rules.html", frozenset({"rules"})),
    Screen("insights", "/insights", N_("Insights"), "insights.html", frozenset({"insights"})),
    Screen("events", "/events", N_("Order events"), "events.html", frozenset({"events"})),
    Screen("holds", "/holds", N_("Holds"), "holds.html", frozenset({"holds"})),
    Screen("requests", "/requests", N_("Requests"), "requests.html", frozenset({"requests"})),
    Screen(
        "withdrawals",
        "/withdrawals",
        N_("Withdrawals"),
        "withdrawals.html",
        frozenset({"withdrawals"}),
    ),
    # To come, each one entry and one template: alerts.
)


def every_screen() -> Sequence[Screen]:
    return (HOME, *SCREENS)
