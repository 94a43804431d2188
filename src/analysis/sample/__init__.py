"""The deterministic fictional sample district."""
