"""The catalog's HTTP interface: routes turn requests into commands and queries."""
