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
from seshat.eval.report_labels import labels_section
from seshat.eval.scoring import comparisons, difference_text
from seshat.runs.rundir import RunDir, find_run
from seshat.yamlio import atomic_write_text

COLOURS = ("#1b6ca8", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d6a9f")
CSS = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222;padding:0 1em}
table{border-collapse:collapse;margin:1em 0;font-size:14px}td,th{border:1px solid #ccc;
padding:4px 8px;vertical-align:top}th{background:#f3f3f3}.no{color:#b00;font-weight:bold}
.yes{color:#070}.same{color:#a60}.sig{font-family:monospace;font-size:12px;color:#555}.banner{padding:.6em 1em;
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
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" '
        'stroke="#999"/>',
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" stroke="#999"/>',
        f'<text x="4" y="{sy(y1) + 4:.0f}" font-size="11">{y1:.3g}</text>',
        f'<text x="4" y="{sy(y0) + 4:.0f}" font-size="11">{y0:.3g}</text>',
        f'<text x="{pad}" y="{height - pad + 14}" font-size="11">{x0:g}</text>',
        f'<text x="{width - pad}" y="{height - pad + 14}" font-size="11" text-anchor="end">'
        f"{x1:g}</text>",
        f'<text x="{width / 2:.0f}" y="{height - 6}" font-size="11" text-anchor="middle">'
        "optimizer step</text>",
    ]
    for n, (name, values) in enumerate(series.items()):
        colour = COLOURS[n % len(COLOURS)]
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in sorted(values))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>')
        # a marker on every point: a run with one dev evaluation still shows it
        parts += [
            f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{colour}">'
            f"<title>{_esc(name)} at step {x:g}: {y:.3f}</title></circle>"
            for x, y in sorted(values)
        ]
        parts.append(
            f'<text x="{width - 200}" y="{30 + 14 * n}" font-size="12" fill="{colour}">'
            f"{_esc(name)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(groups: dict[str, dict[str, float]], title: str) -> str:
    """An SVG grouped bar chart of ``{group: {bar: value 0..100}}``.

    Bars are wide enough for their value above them, and group names are set at a slant under
    their group, so neither overlaps its neighbour.
    """
    if not groups:
        return ""
    bars = list(dict.fromkeys(b for values in groups.values() for b in values))
    bar_w, gap = 30, 44
    group_w = len(bars) * bar_w + gap
    width = max(480, 60 + len(groups) * group_w + 190)
    height, base = 330, 220
    top = max([v for values in groups.values() for v in values.values()] + [1.0])
    parts = [f'<svg width="{width}" height="{height}" role="img" aria-label="{_esc(title)}">']
    parts.append(f'<text x="10" y="16" font-size="14">{_esc(title)}</text>')
    parts.append(f'<line x1="36" y1="{base}" x2="{width - 190}" y2="{base}" stroke="#999"/>')
    x = 40
    for group, values in groups.items():
        for n, bar in enumerate(bars):
            value = values.get(bar)
            if value is None:
                continue
            h = value / top * 170
            left = x + n * bar_w
            parts.append(
                f'<rect x="{left}" y="{base - h:.1f}" width="{bar_w - 4}" height="{h:.1f}" '
                f'fill="{COLOURS[n % len(COLOURS)]}"><title>{_esc(bar)}: {value:.2f}</title></rect>'
            )
            parts.append(
                f'<text x="{left + (bar_w - 4) / 2:.0f}" y="{base - h - 3:.1f}" font-size="10" '
                f'text-anchor="middle">{value:.1f}</text>'
            )
        middle = x + len(bars) * bar_w / 2
        parts.append(
            f'<text x="{middle:.0f}" y="{base + 14}" font-size="11" text-anchor="end" '
            f'transform="rotate(-30 {middle:.0f} {base + 14})">{_esc(group)}</text>'
        )
        x += group_w
    for n, bar in enumerate(bars):
        parts.append(
            f'<rect x="{width - 180}" y="{22 + 16 * n}" width="10" height="10" '
            f'fill="{COLOURS[n % len(COLOURS)]}"/>'
            f'<text x="{width - 165}" y="{31 + 16 * n}" font-size="11">{_esc(bar)}</text>'
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
        labels_section(run.path),
        line_chart({k: v for k, v in curves.items() if v}, "Loss"),
    ]
    scores = latest_scores(run)
    if scores is None:
        out.append(f"<p>Not evaluated yet: <code>seshat eval {_esc(run.run_id)}</code>.</p>")
        out.append(_human_section(run, sharing))
        return "\n".join(out)
    out.append(
        f"<p>Evaluated on {scores['examples']} {_esc(scores['split'])} examples with "
        f"{_esc(scores['engine_description'])}.</p>"
    )
    out.append(_score_table(scores))
    groups = {
        task: {"trained model": e["scores"]["chrf++"]["score"]}
        | {row["name"]: row["score"] for row in comparisons(e)}
        for task, e in scores["tasks"].items()
    }
    out.append(
        bar_chart(groups, "chrF++ per task: the trained model beside what it is compared with")
    )
    out.append(_samples(run, scores, sharing))
    out.append(_human_section(run, sharing))
    return "\n".join(out)


def _human_section(run: RunDir, sharing: Gate | None) -> str:
    """Linguists' judgements (``seshat review``) beside chrF++; reviewers unnamed when shared."""
    from seshat.corpus.judgement import JudgementError
    from seshat.eval.human import summarize

    try:
        found = summarize(run.root, run.run_id)
    except JudgementError as exc:
        return f"<h3>Human evaluation</h3><p>The judgements cannot be read: {_esc(exc)}</p>"
    if not found["judgements"]:
        return (
            "<h3>Human evaluation</h3><p>Nobody has reviewed this run yet: "
            f"<code>seshat review {_esc(run.run_id)}</code>.</p>"
        )

    def num(value: float | None) -> str:
        return "-" if value is None else f"{value:g}"

    who = (
        f"{len(found['reviewers'])} reviewer(s)"
        if sharing is not None
        else ", ".join(found["reviewers"])
    )
    rows = "".join(
        f"<tr><td>{_esc(task)}</td><td>{r['items']}</td><td>{num(r['human_score'])}</td>"
        f"<td>{num(r['major_per_item'])} / {num(r['minor_per_item'])}</td><td>{r['corrected']}</td>"
        f"<td>{num(r['chrf++'])}</td><td>{num(r['pearson'])}</td><td>{num(r['spearman'])}</td></tr>"
        for task, r in found["tasks"].items()
    )
    answers = "".join(
        f"<li>{_esc(task)}: {a['right']} of {a['asked']} answers right</li>"
        for task, a in found["answers"].items()
    )
    agreement = "".join(
        f"<li>{a['items']} items judged by two reviewers: scores differ by "
        f"{a['mean_abs_difference']:g} on average (Pearson {num(a['pearson'])})</li>"
        for a in found["agreement"]
    )
    return (
        f"<h3>Human evaluation</h3><p>{found['judgements']} judgements by {_esc(who)} "
        "(Error Span Annotation: error spans, then a score from 0 to 100).</p>"
        '<table id="human"><tr><th>task</th><th>items</th><th>human score</th>'
        "<th>major / minor errors per item</th><th>corrected</th><th>chrF++ of these items</th>"
        f"<th>Pearson</th><th>Spearman</th></tr>{rows}</table>"
        + (f"<ul>{answers}</ul>" if answers else "")
        + (f"<ul>{agreement}</ul>" if agreement else "")
    )


def _score_table(scores: dict[str, Any]) -> str:
    """The scores of each task, the trained model against what it is compared with.

    Each comparison (the untuned model when it was evaluated, copying the input, a random
    training answer) with the signed difference, its 95 % interval and the verdict in words;
    then chrF, BLEU and the runaway rate.
    """
    first = next(iter(scores["tasks"].values()))
    against = comparisons(first)
    head = (
        "<tr><th>task</th><th>n</th><th>trained (chrF++)</th>"
        + "".join(f"<th>{_esc(row['name'])}</th>" for row in against)
        + "<th>chrF</th><th>BLEU</th><th>runaway</th></tr>"
    )
    css = {"better than": "yes", "no different from": "same", "worse than": "no"}
    body = []
    for task, e in scores["tasks"].items():
        s = e["scores"]
        cells = "".join(
            f"<td>{row['score']:.2f}<br>{_esc(difference_text(row))}<br>"
            f'<span class="{css[row["word"]]}">{_esc(row["word"])}</span></td>'
            for row in comparisons(e)
        )
        rate = e.get("runaway", {}).get("rate")
        body.append(
            f"<tr><td>{_esc(task)}</td><td>{e['examples']}</td><td>{s['chrf++']['score']:.2f}</td>"
            f"{cells}<td>{s['chrf']['score']:.2f}</td><td>{s['bleu']['score']:.2f}</td>"
            f"<td>{'' if rate is None else f'{rate * 100:.0f} %'}</td></tr>"
        )
    signatures = "".join(
        f'<div class="sig">{_esc(m)}: {_esc(v["signature"])}</div>'
        for m, v in first["scores"].items()
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
