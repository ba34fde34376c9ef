"""Benchmarks: speed, Shopify cost and memory, measured next to a bare baseline.

`python -m bench` (`make bench`) prints the tables and writes `bench/results.json`; README.md
beside this file says what each figure is and how it is measured. Speed is measured here and
never asserted in tests.
"""
