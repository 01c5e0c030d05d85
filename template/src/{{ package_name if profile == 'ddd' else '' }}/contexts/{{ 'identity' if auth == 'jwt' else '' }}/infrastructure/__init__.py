"""Identity's adapters: the users table and mapping, repository and unit of work."""
