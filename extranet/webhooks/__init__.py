"""Webhooks: admins subscribe URLs to events; the worker delivers them, signed (docs/webhooks.md)."""
