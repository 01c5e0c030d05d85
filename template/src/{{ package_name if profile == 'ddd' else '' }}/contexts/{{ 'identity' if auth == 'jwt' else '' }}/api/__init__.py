"""Identity's HTTP interface: registration, login and the current user."""
