"""The shopper's address book."""
