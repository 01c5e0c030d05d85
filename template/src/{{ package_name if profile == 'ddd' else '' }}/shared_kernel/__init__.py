"""The shared kernel: the building blocks every bounded context uses, free of any framework."""
