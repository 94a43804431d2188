"""Reading ledgers as units deliver them: declarations, readers, CSV streaming, templates."""
