"""Data access: the only code that queries the database."""
