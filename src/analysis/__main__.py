"""`python -m analysis` entry point."""

from analysis.cli import app

app()
