"""Identity: users register and log in; it issues the tokens every other context accepts."""
