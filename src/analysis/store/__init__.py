"""The DuckDB warehouse and the published statistics it holds."""
