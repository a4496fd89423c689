"""OpenAPI document (filled below)."""
