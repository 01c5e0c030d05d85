"""Ordering: customers order products. It learns what can be ordered from the catalog's events."""
