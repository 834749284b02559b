"""The shop itself: name, logo, freight and timeouts."""
