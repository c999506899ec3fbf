"""Benchmarks for directcrm, run by hand: ``python -m bench [--quick] [--only NAME...]``.

Every benchmark measures its baseline in the same run (these machines are shared and
noisy) and reports the ratio next to the absolute figures. Never part of the test suite.
"""
