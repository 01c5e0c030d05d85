"""Ordering's HTTP interface: routes turn requests into commands and queries."""
