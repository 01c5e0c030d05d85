"""The bounded contexts. Each is a package with the same four layers, and none imports another."""
