"""Squall: a fast ASGI server and typed web framework."""
