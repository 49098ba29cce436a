"""The comparison: every controller and agent run gathered into one table and one dataset, the statistics
over seeds, the figures and the multi-page PDF."""
