"""A project whose closed sources carry unique canary strings, for the access-policy tests.

Four sources, one per level; every record of the restricted and sacred sources holds a canary, and
one record of the public source is raised to ``restricted`` per record (``record_access``) and holds
a canary of its own. A canary found outside the places the policy allows is a leak.
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

import yaml

from seshat.scaffold import scaffold

RESTRICTED = "qzxrestrictedcanary"
SACRED = "qzxsacredcanary"
RAISED = "qzxraisedrecordcanary"
CANARIES = (RESTRICTED, SACRED, RAISED)

SOURCES = """
sources:
  - id: public-stories
    path: data/raw/public.txt
    format: parallel
    access: public
    license: CC-BY-4.0
    options: {translation: data/raw/public.es.txt}
    record_access: {"data/raw/public.txt:3": restricted}
  - id: village-words
    path: data/raw/community.tsv
    format: tsv
    access: community
    communities: [Kaniwa]
  - id: healer-recordings
    path: data/raw/restricted.txt
    format: parallel
    access: restricted
    communities: [Kaniwa]
    consent: Recorded with the healer's consent, for use inside the community only.
    options: {translation: data/raw/restricted.es.txt}
  - id: ceremony-words
    path: data/raw/sacred.tsv
    format: tsv
    access: sacred
    communities: [Kaniwa]
access:
  communities:
    Kaniwa: {contact: the language committee}
splits: {dev: 0.2, test: 0.2, seed: 13, group_by: record}
"""

WORDS = ["kani", "wasi", "nete", "jawen", "pari", "tuku", "mena", "sori", "wira", "lato"]
GLOSSES = ["sol", "casa", "día", "su", "agua", "noche", "río", "luna", "viento", "piedra"]


def write_canary_project(
    folder: Path, model: str = "Qwen/Qwen3-0.6B", **scaffold_args: str
) -> Path:
    """Scaffold a project at ``folder`` with the four canary sources; return it."""
    scaffold(folder, name="Kaniwa", code="qks", model=model, **scaffold_args)
    config = folder / "seshat.yaml"
    data = yaml.safe_load(config.read_text(encoding="utf-8")) | yaml.safe_load(SOURCES)
    config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    raw = folder / "data" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    public, public_es, closed, closed_es = [], [], [], []
    for n in range(24):
        a, b = WORDS[n % 10], WORDS[(n * 3 + 1) % 10]
        ga, gb = GLOSSES[n % 10], GLOSSES[(n * 3 + 1) % 10]
        raised = f" {RAISED}{n}" if n == 2 else ""
        public.append(f"{a} {b}-pas{raised}")
        public_es.append(f"el {ga} y la {gb}{raised}")
        closed.append(f"{b} {a}-ki {RESTRICTED}{n}")
        closed_es.append(f"la {gb} del {ga} {RESTRICTED}{n}")
    (raw / "public.txt").write_text("\n".join(public) + "\n", encoding="utf-8")
    (raw / "public.es.txt").write_text("\n".join(public_es) + "\n", encoding="utf-8")
    (raw / "restricted.txt").write_text("\n".join(closed) + "\n", encoding="utf-8")
    (raw / "restricted.es.txt").write_text("\n".join(closed_es) + "\n", encoding="utf-8")
    community = ["qks\tspanish"] + [
        f"{w}ni\t{g} pequeño" for w, g in zip(WORDS, GLOSSES, strict=True)
    ]
    (raw / "community.tsv").write_text("\n".join(community) + "\n", encoding="utf-8")
    sacred = ["qks\tspanish"] + [
        f"{w}{SACRED}{n}\t{g} sagrado {SACRED}{n}"
        for n, (w, g) in enumerate(zip(WORDS, GLOSSES, strict=True))
    ]
    (raw / "sacred.tsv").write_text("\n".join(sacred) + "\n", encoding="utf-8")
    return folder


def leaks(folder: Path, needles: tuple[str, ...], allowed: tuple[str, ...] = ()) -> list[str]:
    """Files under ``folder`` that hold a needle, except those matching an ``allowed`` pattern
    (``fnmatch``: ``*`` crosses folders)."""
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue  # a link is not something produced (and may point anywhere)
        rel = path.relative_to(folder).as_posix()
        if any(fnmatch.fnmatch(rel, pattern) for pattern in allowed):
            continue
        data = path.read_bytes()
        hits = [n for n in needles if n.encode() in data]
        if hits:
            found.append(f"{rel}: {', '.join(hits)}")
    return found
