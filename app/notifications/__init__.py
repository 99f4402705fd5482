"""Messages to officers, units and citizens (stored, and e-mailed when SMTP is set)."""
