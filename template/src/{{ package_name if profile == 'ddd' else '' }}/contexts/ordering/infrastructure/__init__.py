"""Ordering's adapters: tables and mapping, repositories, unit of work, queries, and the
anti-corruption layer that turns catalog events into ordering commands."""
