"""The catalog's model: the Item aggregate, its values and its events. Plain Python."""
