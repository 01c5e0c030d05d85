"""The service package; README.md describes its layers."""
