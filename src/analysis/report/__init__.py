"""Report content: context, sections, reviews, charts, renderers, scoreboard, site."""
