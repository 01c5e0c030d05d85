"""Thin async query modules: each takes a connection and returns TypedDict rows (`DB<Name>Row`)."""
