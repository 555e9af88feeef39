"""A floor to compare the API with: see app.py."""
