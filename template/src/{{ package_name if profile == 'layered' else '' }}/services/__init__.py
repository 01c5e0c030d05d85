"""Use cases: business rules, free of HTTP and SQL; they depend on the ports in ports.py."""
