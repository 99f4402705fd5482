"""Working-day calendar: which days count and when a time limit falls due."""
