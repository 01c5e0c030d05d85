"""Pydantic models: what clients send and receive. No SQL and no HTTP here."""
