"""The regression gate: ``python -m runner.gate BASE HEAD`` (__main__.py; docs/gate.md)."""
