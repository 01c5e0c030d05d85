"""Request and response models: what the API accepts and returns."""
