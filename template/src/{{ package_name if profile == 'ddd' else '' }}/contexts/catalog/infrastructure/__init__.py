"""The catalog's adapters: tables and mapping, repository, unit of work, queries, publisher."""
