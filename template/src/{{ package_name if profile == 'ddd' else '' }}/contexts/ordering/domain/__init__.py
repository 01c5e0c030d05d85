"""Ordering's model: the Order aggregate and its own idea of a Product. Plain Python."""
