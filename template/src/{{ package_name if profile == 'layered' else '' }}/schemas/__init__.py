"""Pydantic models that cross the API and the service boundary."""
