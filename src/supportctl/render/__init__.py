"""The only place that knows rich and jinja2; `emit` picks JSON or a table."""
