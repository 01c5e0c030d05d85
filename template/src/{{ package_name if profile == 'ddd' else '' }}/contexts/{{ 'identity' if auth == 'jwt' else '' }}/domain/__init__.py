"""Identity's model: the User aggregate and its email address. Plain Python."""
