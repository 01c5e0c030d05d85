"""Settings, logging and domain errors: plain Python that every layer may use."""
