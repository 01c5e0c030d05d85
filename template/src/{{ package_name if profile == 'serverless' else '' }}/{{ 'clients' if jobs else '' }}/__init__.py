"""Outbound clients: typed adapters for the external APIs the service calls, behind ports."""
