"""Synthetic demo data: a fictional local authority driven through the real services (no real personal data)."""
