"""The assessment method: measures, progress, accidents, ranking, data quality, tasks."""
