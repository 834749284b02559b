"""The merchant's web console: server-rendered pages (Jinja2 + htmx + Alpine) at /console."""

from xiaodian.console.app import create_console

__all__ = ["create_console"]
