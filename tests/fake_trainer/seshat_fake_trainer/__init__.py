"""A minimal third trainer for Seshat, registered as a plug-in (the architecture test's)."""
