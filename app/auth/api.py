"""REST API routes (registered on app.core.api.api)."""
