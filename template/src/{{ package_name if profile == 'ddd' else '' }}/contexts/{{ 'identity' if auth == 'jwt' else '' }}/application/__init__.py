"""Identity's use cases: registering, logging in, recognising a token."""
