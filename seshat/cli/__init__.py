"""The command line: thin click commands, lazily imported, one error boundary (``main``)."""
