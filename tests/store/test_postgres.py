"""What only PostgreSQL has to show: the URLs hosts hand out, an ordinary role, processes."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.settings import Settings, SettingsError
from backend.store.engine import database_url
from tests.postgres_server import APP_ROLE, PostgresServer
from tests.store.racers import ORDERS, race


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:pw@db.example:5432/app", "postgresql+psycopg://u:***@db.example:5432/app"),
        ("postgresql://u:pw@db.example/app", "postgresql+psycopg://u:***@db.example/app"),
        ("postgresql://u@db.example/app", "postgresql+psycopg://u@db.example/app"),
        ("postgresql+psycopg://u:pw@h/app", "postgresql+psycopg://u:***@h/app"),
    ],
)
def test_database_url_takes_what_hosts_hand_out(given: str, expected: str) -> None:
    assert str(database_url(given, Path("ignored.sqlite3"))) == expected


def test_without_database_url_the_store_is_the_sqlite_file() -> None:
    assert str(database_url(None, Path("var/x.sqlite3"))) == "sqlite+aiosqlite:///var/x.sqlite3"


def test_database_url_wins_over_sqlite_path_and_a_bad_one_is_refused_without_echo() -> None:
    env = {
        "SHOPIFY_API_KEY": "k",
        "SHOPIFY_API_SECRET": "s" * 32,
        "APP_ENV": "development",
        "SQLITE_PATH": "var/other.sqlite3",
        "DATABASE_URL": "postgres://u:pw@h/app",
    }
    assert Settings.from_env(env).database_url == "postgres://u:pw@h/app"
    with pytest.raises(SettingsError, match="DATABASE_URL") as refused:
        Settings.from_env(env | {"DATABASE_URL": "mysql://u:secret-pw@h/app"})
    assert "secret-pw" not in str(refused.value)


def test_two_processes_racing_for_the_same_orders_have_one_winner_each(
    postgres_url: str, postgres_server: PostgresServer
) -> None:
    won = race("postgres", postgres_url)

    assert sorted(won["process-a"] + won["process-b"]) == sorted(ORDERS)
    database = postgres_url.rsplit("/", 1)[1]
    rows = postgres_server.sql(database, "SELECT order_id, customer_id FROM cancellations")
    holders = dict(line.split("|") for line in rows.splitlines())
    assert holders == {order_id: name for name in won for order_id in won[name]}


def test_the_backend_runs_as_an_ordinary_role_that_owns_its_tables(
    postgres_url: str, postgres_server: PostgresServer
) -> None:
    race("postgres", postgres_url, rounds=1)  # opens, so migrates, as the app's role

    database = postgres_url.rsplit("/", 1)[1]
    assert (
        postgres_server.sql(
            "postgres", f"SELECT rolsuper FROM pg_roles WHERE rolname = '{APP_ROLE}'"
        )
        == "f"
    )
    owners = postgres_server.sql(
        database, "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"
    )
    assert owners == APP_ROLE
