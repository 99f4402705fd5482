"""Administration: the pages and calls an administrator uses to run the instance."""
