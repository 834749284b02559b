"""Uploaded images and their variants."""
