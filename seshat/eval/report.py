"""``seshat report RUN [RUN...]``: one self-contained HTML page of one or more runs.

Inline SVG, no scripts, no network: loss curves, scores per task next to their controls, a comparison across runs, and
sample outputs beside their references, the worst first: what a linguist reads first.

A report meant for sharing (``share=true``) shows only the samples that the access policy lets go
to ``shared_report`` (by default, those of public records); the decision is logged.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from seshat.access import Gate, run_level
from seshat.config.models import Destination
from seshat.errors import DataError
from seshat.eval.evaluate import latest_scores
from seshat.runs.rundir import RunDir, find_run
from seshat.yamlio import atomic_write_text

COLOURS = ("#1b6ca8", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d6a9f")
CSS = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222;padding:0 1em}
table{border-collapse:collapse;margin:1em 0;font-size:14px}td,th{border:1px solid #ccc;
padding:4px 8px;vertical-align:top}th{background:#f3f3f3}.no{color:#b00;font-weight:bold}
.yes{color:#070}.sig{font-family:monospace;font-size:12px;color:#555}.banner{padding:.6em 1em;
background:#fff4d6;border:1px solid #e0c060}svg{background:#fff;border:1px solid #ddd}
"""


def _esc(value: Any) -> str:
    return html.escape(str(value))


def _metrics(run: RunDir) -> list[dict[str, Any]]:
    path = run.path / "metrics.jsonl"
    if not path.is_file():
        return []
    rows = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return rows


def line_chart(series: dict[str, list[tuple[float, float]]], title: str) -> str:
    """An SVG line chart of ``{name: [(x, y), ...]}``."""
    points = [p for values in series.values() for p in values]
    if not points:
        return f"<p>No data for {_esc(title)}.</p>"
    width, height, pad = 640, 260, 40
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, x1 = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    y0, y1 = min(ys), max(ys) if max(ys) > min(ys) else min(ys) + 1

    def sx(x: float) -> float:
        return pad + (x - x0) / (x1 - x0) * (width - 2 * pad)

    def sy(y: float) -> float:
        return height - pad - (y - y0) / (y1 - y0) * (height - 2 * pad)

    parts = [
        f'<svg width="{width}" height="{height}" role="img" aria-label="{_esc(title)}">',
        f'<text x="{pad}" y="18" font-size="14">{_esc(title)}</text>',
        f'<text x="4" y="{sy(y1) + 4:.0f}" font-size="11">{y1:.3g}</text>',
        f'<text x="4" y="{sy(y0) + 4:.0f}" font-size="11">{y0:.3g}</text>',
        f'<text x="{width - pad}" y="{height - 8}" font-size="11">step {x1:g}</text>',
    ]
    for n, (name, values) in enumerate(series.items()):
        colour = COLOURS[n % len(COLOURS)]
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in sorted(values))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>')
        parts.append(
            f'<text x="{width - 200}" y="{30 + 14 * n}" font-size="12" fill="{colour}">'
            f"{_esc(name)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(groups: dict[str, dict[str, float]], title: str) -> str:
    """An SVG grouped bar chart of ``{group: {bar: value 0..100}}``."""
    if not groups:
        return ""
    bars = list(dict.fromkeys(b for values in groups.values() for b in values))
    width = max(400, 60 + len(groups) * (len(bars) * 22 + 30))
    height, base = 260, 220
    top = max([v for values in groups.values() for v in values.values()] + [1.0])
    parts = [f'<svg width="{width}" height="{height}" role="img" aria-label="{_esc(title)}">']
    parts.append(f'<text x="10" y="16" font-size="14">{_esc(title)}</text>')
    x = 40
    for group, values in groups.items():
        for n, bar in enumerate(bars):
            value = values.get(bar)
            if value is None:
                continue
            h = value / top * 170
            parts.append(
                f'<rect x="{x + n * 22}" y="{base - h:.1f}" width="18" height="{h:.1f}" '
                f'fill="{COLOURS[n % len(COLOURS)]}"><title>{_esc(bar)}: {value:.2f}</title></rect>'
            )
            parts.append(
                f'<text x="{x + n * 22}" y="{base - h - 3:.1f}" font-size="9">{value:.1f}</text>'
            )
        parts.append(f'<text x="{x}" y="{base + 16}" font-size="11">{_esc(group)}</text>')
        x += len(bars) * 22 + 30
    for n, bar in enumerate(bars):
        parts.append(
            f'<text x="{width - 170}" y="{30 + 13 * n}" font-size="11" '
            f'fill="{COLOURS[n % len(COLOURS)]}">{_esc(bar)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _run_section(run: RunDir, sharing: Gate | None) -> str:
    rows = _metrics(run)
    status = run.status()
    curves = {
        "train loss": [(r["step"], r["loss"]) for r in rows if "loss" in r and "step" in r],
        "eval loss": [(r["step"], r["eval_loss"]) for r in rows if "eval_loss" in r],
    }
    out = [
        f"<h2>Run {_esc(run.run_id)}</h2>",
        f"<p>State: {_esc(status.get('state'))}; duration {_esc(status.get('duration_s'))} s; "
        f"access level of its data: <b>{_esc(run_level(run.path))}</b> "
        f"(<code>seshat audit {_esc(run.run_id)}</code> lists its sources)</p>",
        line_chart({k: v for k, v in curves.items() if v}, "Loss"),
    ]
    scores = latest_scores(run)
    if scores is None:
        out.append(f"<p>Not evaluated yet: <code>seshat eval {_esc(run.run_id)}</code>.</p>")
        return "\n".join(out)
    out.append(
        f"<p>Evaluated on {scores['examples']} {_esc(scores['split'])} examples with "
        f"{_esc(scores['engine_description'])}.</p>"
    )
    out.append(_score_table(scores))
    groups = {
        task: {
            "model": e["scores"]["chrf++"]["score"],
            "copy source": e["controls"]["copy_source"]["chrf++"]["score"],
            "random target": e["controls"]["random_target"]["chrf++"]["score"],
        }
        for task, e in scores["tasks"].items()
    }
    out.append(bar_chart(groups, "chrF++ per task, beside its controls"))
    out.append(_samples(run, scores, sharing))
    return "\n".join(out)


def _score_table(scores: dict[str, Any]) -> str:
    head = (
        "<tr><th>task</th><th>n</th><th>chrF++ (95% CI)</th><th>chrF</th><th>BLEU</th>"
        "<th>copy source</th><th>random target</th><th>beats controls</th></tr>"
    )
    body = []
    for task, e in scores["tasks"].items():
        s, c = e["scores"], e["controls"]
        ci = f" ± {s['chrf++']['ci']:.2f}" if "ci" in s["chrf++"] else ""
        verdict = (
            '<span class="yes">yes</span>' if e["beats_controls"] else '<span class="no">NO</span>'
        )
        body.append(
            f"<tr><td>{_esc(task)}</td><td>{e['examples']}</td><td>{s['chrf++']['score']:.2f}{ci}</td>"
            f"<td>{s['chrf']['score']:.2f}</td><td>{s['bleu']['score']:.2f}</td>"
            f"<td>{c['copy_source']['chrf++']['score']:.2f}</td>"
            f"<td>{c['random_target']['chrf++']['score']:.2f}</td><td>{verdict}</td></tr>"
        )
    first = next(iter(scores["tasks"].values()))["scores"]
    signatures = "".join(
        f'<div class="sig">{_esc(m)}: {_esc(v["signature"])}</div>' for m, v in first.items()
    )
    verdicts = "".join(f"<li>{_esc(v)}</li>" for v in scores.get("verdicts", []))
    return f"<table>{head}{''.join(body)}</table><ul>{verdicts}</ul>{signatures}"


def _samples(run: RunDir, scores: dict[str, Any], sharing: Gate | None) -> str:
    out = []
    for title, key in (
        ("Worst outputs (lowest sentence chrF++)", "worst"),
        ("First outputs", "first"),
    ):
        rows = scores["samples"][key]
        shown = (
            rows
            if sharing is None
            else sharing.select(
                Destination.shared_report, rows, f"samples of run {run.run_id}", run.path
            )
        )
        hidden = [r for r in rows if r not in shown]
        out.append(f"<h3>{title}</h3>")
        if hidden:
            out.append(
                f"<p>{len(hidden)} sample(s) left out: the access policy keeps their records "
                "out of shared reports (share=true).</p>"
            )
        if shown:
            out.append(
                "<table><tr><th>task</th><th>input</th><th>reference</th><th>model output</th>"
                "<th>chrF++</th></tr>"
                + "".join(
                    f"<tr><td>{_esc(r['task'])}</td><td>{_esc(r['input'])}</td>"
                    f"<td>{_esc(r['reference'])}</td><td>{_esc(r['output'])}</td>"
                    f"<td>{r['chrf++']:.1f}</td></tr>"
                    for r in shown
                )
                + "</table>"
            )
    return "\n".join(out)


def _comparison(runs: list[RunDir]) -> str:
    groups: dict[str, dict[str, float]] = {}
    for run in runs:
        scores = latest_scores(run)
        for task, e in (scores or {}).get("tasks", {}).items():
            groups.setdefault(task, {})[run.run_id] = e["scores"]["chrf++"]["score"]
    if not groups:
        return ""
    curves = {
        run.run_id: [(r["step"], r["eval_loss"]) for r in _metrics(run) if "eval_loss" in r]
        for run in runs
    }
    return (
        "<h2>Comparison</h2>"
        + bar_chart(groups, "chrF++ per task and run")
        + line_chart({k: v for k, v in curves.items() if v}, "Eval loss per run")
    )


def write_report(
    root: Path,
    names: list[str],
    out: Path | None = None,
    share: bool = False,
    gate: Gate | None = None,
) -> Path:
    """Write the HTML report of one or more runs; return its path.

    Args:
        root: Project folder.
        names: Run ids, prefixes or ``latest``.
        out: Where to write it (default: in the first run's folder).
        share: A report meant for sharing: samples pass the ``shared_report`` rule.
        gate: The access policy (default: the project's).

    Raises:
        DataError: No run given.
    """
    if not names:
        raise DataError("No run to report on.", "pass a run id: `seshat report RUN`")
    runs = [find_run(root, name) for name in names]
    target = out or (runs[0].path / ("report.html" if len(runs) == 1 else "compare.html"))
    title = "Seshat report: " + ", ".join(r.run_id for r in runs)
    banner = (
        "This report is meant for sharing: samples the access policy keeps from shared reports are left out."
        if share
        else "This report shows sample outputs of the training data's languages: check the "
        "access levels before you share it (or write it with share=true)."
    )
    body = [f"<h1>{_esc(title)}</h1>", f'<p class="banner">{_esc(banner)}</p>']
    if len(runs) > 1:
        body.append(_comparison(runs))
    sharing = (gate or Gate.for_project(root)) if share else None
    body += [_run_section(run, sharing) for run in runs]
    page = (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{_esc(title)}</title>'
        f"<style>{CSS}</style></head><body>{''.join(body)}</body></html>\n"
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, page)
    return target
