"""Plan catalogs and the reporting calendar."""
