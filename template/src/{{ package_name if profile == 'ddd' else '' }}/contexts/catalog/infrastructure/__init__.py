"""The catalog's adapters: tables and mapping, repository, unit of work, queries, and the
translation of its domain events into the integration events it publishes."""
