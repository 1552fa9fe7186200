"""Plumbing every layer may use: HTTP, redaction, durations, private files."""
