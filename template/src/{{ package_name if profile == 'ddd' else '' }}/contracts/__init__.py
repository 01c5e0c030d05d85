"""The published language: what a context tells the others, and all they may import of it."""
