"""Local Contexts TK/BC labels and notices.

Read from the Hub (``hub``), written into seshat.yaml (``yaml_edit``), and the one reader of the
labels a project or a run's sources carry (``applied``: the model card, audit, demo and report).
"""
