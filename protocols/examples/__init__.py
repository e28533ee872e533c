"""Example protocol scripts shipped with hhlif (run in CI)."""
