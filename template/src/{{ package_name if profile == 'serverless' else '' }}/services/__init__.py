"""Use cases: plain Python over the repository ports; no HTTP, no AWS SDK."""
