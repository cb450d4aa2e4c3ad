"""Maker-checker (workspace.md § Maker-checker): when an action waits for a second person."""
