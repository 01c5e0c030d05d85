"""The catalog: the items on offer. It owns them, and publishes their changes as events."""
