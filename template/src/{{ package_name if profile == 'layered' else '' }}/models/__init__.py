"""SQLAlchemy ORM models: the tables, as the repositories see them."""
