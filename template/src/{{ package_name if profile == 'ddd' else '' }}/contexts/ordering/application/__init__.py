"""Ordering's use cases: commands and their handlers, the unit of work, read queries."""
