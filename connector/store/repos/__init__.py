"""Repositories: small, named queries over one table each, used inside a unit of work."""
