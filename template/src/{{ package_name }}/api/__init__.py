"""HTTP: routers, dependencies (the composition root) and the error mapping."""
