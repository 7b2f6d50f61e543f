"""Field resource libraries: guides, templates and model documents experts publish for the
members of the organizations that subscribe to a field."""
