from flask_wtf import FlaskForm


class BaseForm(FlaskForm):
    """Base class of every form: CSRF-protected (HTMX posts send the token in a header)."""
