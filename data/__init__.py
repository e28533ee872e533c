"""Reference inputs shipped with hhlif (see data/README.md for where each file came from)."""
