"""The review loop: linguists judge a run's answers; the judgements feed training."""
