"""xiaodian (小店): an open-source WeChat mini-shop for small merchants."""

__version__ = "0.1.0"
