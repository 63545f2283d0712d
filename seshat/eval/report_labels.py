"""The HTML report's section on the Local Contexts labels a run's data carried.

Kept apart from ``report.py``: one small piece of HTML from the one reader of a run's labels
(:func:`seshat.labels.applied.run_labels`), the same labels the model card and the audit show.
"""

from __future__ import annotations

import html
from pathlib import Path

from seshat.labels.applied import run_labels


def labels_section(run_path: Path) -> str:
    """A table of the run's labels (applied to, label, what Seshat reads it as, text); "" if none."""
    labels = run_labels(run_path)
    if not labels:
        return ""
    rows = "".join(
        f"<tr><td>{html.escape(label.holder)}</td><td><b>{html.escape(label.name)}</b></td>"
        f"<td>{html.escape(label.level or '-')}</td>"
        f"<td>{html.escape(' '.join((label.text or '').split()))}</td></tr>"
        for label in labels
    )
    return (
        '<h3 id="local-contexts-labels">Local Contexts labels</h3>'
        "<p>The communities applied these Traditional Knowledge (TK) and Biocultural (BC) labels "
        "and notices to the training data (localcontexts.org). Seshat reads each as the most "
        "open access level the data may have (docs/access.md).</p>"
        "<table><tr><th>applied to</th><th>label</th><th>at least</th><th>text</th></tr>"
        f"{rows}</table>"
    )
