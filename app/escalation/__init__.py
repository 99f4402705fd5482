"""Late steps: warnings, escalations and the signed apology that unblocks a dossier."""
