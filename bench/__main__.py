"""`python -m bench` (what `make bench` runs): measure, print the tables, write results.json.

python -m bench                  the full run (about 5-6 minutes on two cores)
python -m bench --quick          a few requests per figure, to check the harness works
python -m bench --show FILE      print the tables of an earlier results.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench import run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few requests per figure")
    parser.add_argument(
        "--app-env",
        choices=("production", "development"),
        default="production",
        help="the backend's APP_ENV (default production; see bench/backend_server.py)",
    )
    parser.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="the load generator's HTTP client (default raw; see bench/load.py)",
    )
    parser.add_argument("--out", type=Path, default=run.RESULTS, help="where to write results")
    parser.add_argument("--show", type=Path, help="print an earlier results file and exit")
    args = parser.parse_args(argv)
    if args.show:
        print(run.show(json.loads(args.show.read_text())))
        return 0
    plan = run.QUICK if args.quick else run.FULL
    results = run.run(plan, app_env=args.app_env, client=args.client, say=_progress)
    run.write(results, args.out)
    print(run.show(results))
    print(f"\nwritten: {args.out} ({results['meta']['seconds']} s)")
    return 0


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
