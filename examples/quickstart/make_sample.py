r"""Write the quickstart's sample corpus: a small constructed language whose grammar is known.

    python examples/quickstart/make_sample.py [OUT_DIR]     (default: examples/quickstart/data/raw)

Kaniwa is invented for Seshat's samples: it belongs to no community, so it is safe to publish,
and it is regular enough that a 135M model learns to translate it on a CPU in minutes. Everything
comes from one seeded random generator, so the same script writes the same files.

Grammar (what a linguist would write down):

- Word order subject - (place) - (object) - verb; adjectives follow their noun, unmarked.
- Nouns: root + plural ``-kan``. Case goes on the last word of the noun phrase (the adjective
  when there is one): object ``-ta``, place ``-mi`` ("in, at"); subjects are bare.
- Verbs: root + tense (present ``-na``, past ``-ki``, future ``-sha``) + ``-ri`` for a plural
  subject.
- No articles; a sentence starts with a capital and ends with a full stop.

Files (the formats real projects bring):

- ``dictionary.tsv``: headword, part of speech, Spanish gloss, an example and its translation.
- ``paradigms.csv``: inflected forms of some verbs and nouns with their analysis.
- ``stories.txt`` + ``stories.es.txt``: line-aligned parallel sentences.
- ``texts.txt``: interlinear glossed text in Toolbox format (``\tx \mb \ge \ft``).
- ``newsletter.png``: a page of Kaniwa sentences, rendered with scanner noise (read by OCR).
- ``elder.wav``: a speaker reading Kaniwa sentences (espeak-ng; read by Whisper).
- ``GRAMMAR.md``: the grammar above and the whole lexicon, for a linguist to check.

The image needs Pillow and the recording espeak-ng; both files are committed, so the quickstart
itself needs neither.
"""

from __future__ import annotations

import csv
import io
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SEED = 20261124
HERE = Path(__file__).resolve().parent

PLURAL, OBJECT, PLACE, PLURAL_SUBJECT = "kan", "ta", "mi", "ri"
TENSES = {"present": "na", "past": "ki", "future": "sha"}
TENSE_GLOSS = {"present": "PRES", "past": "PST", "future": "FUT"}

# Spanish nouns: singular, plural, gender. People and animals act; things are acted on; places.
# The lexicon is small on purpose: a 135M model on two CPU cores sees each word often enough in a
# few minutes of training to learn it.
# fmt: off
ACTORS = [
    ("hombre", "hombres", "m"), ("mujer", "mujeres", "f"), ("niño", "niños", "m"),
    ("niña", "niñas", "f"), ("abuela", "abuelas", "f"), ("cazador", "cazadores", "m"),
    ("perro", "perros", "m"), ("mono", "monos", "m"),
]
THINGS = [
    ("pescado", "pescados", "m"), ("fruta", "frutas", "f"), ("yuca", "yucas", "f"),
    ("canoa", "canoas", "f"), ("flecha", "flechas", "f"), ("olla", "ollas", "f"),
    ("piedra", "piedras", "f"), ("canasta", "canastas", "f"), ("libro", "libros", "m"),
    ("cuchillo", "cuchillos", "m"),
]
PLACES = [
    ("río", "m"), ("casa", "f"), ("chacra", "f"), ("bosque", "m"), ("camino", "m"),
    ("pueblo", "m"),
]
# Regular verbs only, so that the Spanish side is always right: infinitive.
TRANSITIVE = [
    "comer", "buscar", "llevar", "lavar", "mirar", "cocinar", "cortar", "comprar", "vender",
    "guardar",
]
INTRANSITIVE = ["caminar", "trabajar", "cantar", "nadar", "descansar", "correr"]
# Adjectives: masculine singular, feminine singular (plural adds -s / -es).
ADJECTIVES = [
    ("grande", "grande"), ("pequeño", "pequeña"), ("viejo", "vieja"), ("nuevo", "nueva"),
    ("rojo", "roja"), ("negro", "negra"),
]
# fmt: on

CONSONANTS = ["p", "t", "k", "m", "n", "s", "w", "y", "r", "ch", "sh", "j"]
VOWELS = ["a", "e", "i", "o", "u"]


@dataclass(frozen=True)
class Word:
    """A Kaniwa root with its Spanish meaning and part of speech."""

    root: str
    spanish: str
    pos: str


def make_roots(rng: random.Random, count: int) -> list[str]:
    """Distinct two- or three-syllable roots that do not end like a suffix."""
    roots: list[str] = []
    endings = (PLURAL, OBJECT, PLACE, PLURAL_SUBJECT, *TENSES.values())
    while len(roots) < count:
        syllables = 2 if rng.random() < 0.7 else 3
        root = "".join(rng.choice(CONSONANTS) + rng.choice(VOWELS) for _ in range(syllables))
        if root not in roots and not root.endswith(endings):
            roots.append(root)
    return roots


def conjugate(infinitive: str, tense: str, plural: bool) -> str:
    """Third-person forms of a regular Spanish verb."""
    stem, ending = infinitive[:-2], infinitive[-2:]
    forms = {
        "ar": {"present": ("a", "an"), "past": ("ó", "aron"), "future": ("ará", "arán")},
        "er": {"present": ("e", "en"), "past": ("ió", "ieron"), "future": ("erá", "erán")},
        "ir": {"present": ("e", "en"), "past": ("ió", "ieron"), "future": ("irá", "irán")},
    }[ending][tense]
    return stem + forms[int(plural)]


def adjective_es(adjective: tuple[str, str], gender: str, plural: bool) -> str:
    """The Spanish adjective agreeing with its noun."""
    form = adjective[0] if gender == "m" else adjective[1]
    if plural:
        form += "es" if form[-1] not in "aeiou" else "s"
    return form


def article(gender: str, plural: bool) -> str:
    """The Spanish definite article."""
    return {("m", False): "el", ("f", False): "la", ("m", True): "los", ("f", True): "las"}[
        (gender, plural)
    ]


class Kaniwa:
    """The lexicon and the sentence generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        spanish = (
            [(s, "n") for s, _, _ in ACTORS]
            + [(s, "n") for s, _, _ in THINGS]
            + [(s, "n") for s, _ in PLACES]
            + [(v, "v") for v in TRANSITIVE + INTRANSITIVE]
            + [(a[0], "adj") for a in ADJECTIVES]
        )
        roots = make_roots(rng, len(spanish))
        self.words = {
            es: Word(root, es, pos) for (es, pos), root in zip(spanish, roots, strict=True)
        }

    def root(self, spanish: str) -> str:
        """The Kaniwa root of a Spanish lemma."""
        return self.words[spanish].root

    def sentence(self) -> dict[str, str]:
        """One random sentence: Kaniwa text, morphemes, glosses and its Spanish translation."""
        rng = self.rng
        actor = rng.choice(ACTORS)
        plural = rng.random() < 0.35
        tense = rng.choice(list(TENSES))
        transitive = rng.random() < 0.6
        verb = rng.choice(TRANSITIVE if transitive else INTRANSITIVE)
        kan: list[tuple[str, str]] = []  # (morphemes, glosses) per word
        es: list[str] = []

        subject_m = self.root(actor[0]) + (f"-{PLURAL}" if plural else "")
        subject_g = actor[0] + ("-PL" if plural else "")
        kan.append((subject_m, subject_g))
        es += [article(actor[2], plural), actor[1] if plural else actor[0]]
        if rng.random() < 0.25:
            adjective = rng.choice(ADJECTIVES)
            kan.append((self.root(adjective[0]), adjective[0]))
            es.append(adjective_es(adjective, actor[2], plural))
        verb_es = conjugate(verb, tense, plural)
        place_es: list[str] = []
        if rng.random() < 0.4:
            place = rng.choice(PLACES)
            kan.append((f"{self.root(place[0])}-{PLACE}", f"{place[0]}-LOC"))
            place_es = ["en", article(place[1], False), place[0]]
        object_es: list[str] = []
        if transitive:
            thing = rng.choice(THINGS)
            object_plural = rng.random() < 0.35
            noun_m = self.root(thing[0]) + (f"-{PLURAL}" if object_plural else "")
            noun_g = thing[0] + ("-PL" if object_plural else "")
            object_es = [article(thing[2], object_plural), thing[1] if object_plural else thing[0]]
            if rng.random() < 0.3:
                adjective = rng.choice(ADJECTIVES)
                kan.append((noun_m, noun_g))
                kan.append((f"{self.root(adjective[0])}-{OBJECT}", f"{adjective[0]}-OBJ"))
                object_es.append(adjective_es(adjective, thing[2], object_plural))
            else:
                kan.append((f"{noun_m}-{OBJECT}", f"{noun_g}-OBJ"))
        verb_m = f"{self.root(verb)}-{TENSES[tense]}" + (f"-{PLURAL_SUBJECT}" if plural else "")
        verb_g = f"{verb}-{TENSE_GLOSS[tense]}" + ("-3PL" if plural else "")
        kan.append((verb_m, verb_g))
        es += [verb_es, *object_es, *place_es]
        text = " ".join(m.replace("-", "") for m, _ in kan)
        return {
            "text": text[0].upper() + text[1:] + ".",
            "morphemes": " ".join(m for m, _ in kan),
            "gloss": " ".join(g for _, g in kan),
            "spanish": (" ".join(es)[0].upper() + " ".join(es)[1:]) + ".",
        }

    def sentences(self, count: int, seen: set[str]) -> list[dict[str, str]]:
        """``count`` sentences whose Kaniwa text is not in ``seen`` (which grows)."""
        found = []
        while len(found) < count:
            s = self.sentence()
            if s["text"] not in seen:
                seen.add(s["text"])
                found.append(s)
        return found


def dictionary_tsv(lang: Kaniwa, examples: list[dict[str, str]]) -> str:
    """Headword, part of speech, gloss, and for some entries an example sentence."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(["palabra", "categoria", "castellano", "ejemplo", "traduccion_ejemplo"])
    pos_es = {"n": "sustantivo", "v": "verbo", "adj": "adjetivo"}
    pool = list(examples)
    for word in lang.words.values():
        example = next(
            (s for s in pool if word.root in s["morphemes"].replace("-", " ").split()), None
        )
        if example is not None and lang.rng.random() < 0.5:
            pool.remove(example)
            row = [example["text"], example["spanish"]]
        else:
            row = ["", ""]
        writer.writerow([word.root, pos_es[word.pos], word.spanish, *row])
    return out.getvalue()


def paradigms_csv(lang: Kaniwa) -> str:
    """Inflected forms with their analysis: every tense and number of some verbs, cases of nouns."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["forma", "analisis", "castellano"])
    for verb in TRANSITIVE[:4] + INTRANSITIVE[:4]:
        for tense, suffix in TENSES.items():
            for plural in (False, True):
                form = lang.root(verb) + suffix + (PLURAL_SUBJECT if plural else "")
                analysis = f"{verb}-{TENSE_GLOSS[tense]}" + ("-3PL" if plural else "")
                writer.writerow([form, analysis, conjugate(verb, tense, plural)])
    for singular, plural_es, _ in THINGS[:6]:
        root = lang.root(singular)
        writer.writerow([root + PLURAL, f"{singular}-PL", plural_es])
        writer.writerow([root + OBJECT, f"{singular}-OBJ", singular])
    for place, _ in PLACES[:4]:
        writer.writerow([lang.root(place) + PLACE, f"{place}-LOC", f"en {place}"])
    return out.getvalue()


def toolbox(sentences: list[dict[str, str]]) -> str:
    """Interlinear text in Toolbox format: affixes as separate tokens, glosses aligned."""
    lines = ["\\_sh v3.0  400  Text", "", "\\id Cuentos de la abuela", ""]
    for n, s in enumerate(sentences, 1):
        morphemes = " ".join(s["morphemes"].replace("-", " -").split())
        glosses = " ".join(s["gloss"].replace("-", " -").split())
        lines += [
            f"\\ref cuentos.{n:03d}",
            f"\\tx {s['text']}",
            f"\\mb {morphemes}",
            f"\\ge {glosses}",
            f"\\ft {s['spanish']}",
            "",
        ]
    return "\n".join(lines)


def render_page(lines: list[str], path: Path, rng: random.Random) -> None:
    """A slightly rotated, speckled greyscale page, as from a cheap scanner."""
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 30)
    page = Image.new("L", (1400, 80 + 52 * len(lines)), 250)
    draw = ImageDraw.Draw(page)
    for k, line in enumerate(lines):
        draw.text((70, 40 + 52 * k), line, fill=30, font=font)
    for _ in range(2500):
        x, y = rng.randrange(page.width), rng.randrange(page.height)
        page.putpixel((x, y), rng.randrange(120, 220))
    page = page.rotate(0.6, fillcolor=250, resample=Image.Resampling.BICUBIC)
    page.filter(ImageFilter.GaussianBlur(0.6)).save(path, optimize=True)


def speak(sentences: list[str], path: Path) -> None:
    """A speaker reading the sentences, with pauses (espeak-ng's Spanish voice)."""
    pause = " [[_::_::_::_::_::_::_::_::]] "
    subprocess.run(
        ["espeak-ng", "-v", "es", "-s", "140", "-g", "8", "-w", str(path), pause.join(sentences)],
        check=True,
    )


def grammar_md(lang: Kaniwa) -> str:
    """The grammar and the whole lexicon, for a linguist to check the corpus against."""
    rows = "\n".join(f"| {w.root} | {w.pos} | {w.spanish} |" for w in lang.words.values())
    return (
        "# Kaniwa: the quickstart's constructed language\n\n"
        "Invented for Seshat's samples (written by `make_sample.py`, seed "
        f"{SEED}); it belongs to no community.\n\n"
        "- Word order: subject, (place), (object), verb. Adjectives follow their noun.\n"
        f"- Nouns: root + plural `-{PLURAL}`. Case goes on the last word of the noun phrase: "
        f"object `-{OBJECT}`, place `-{PLACE}`; subjects are bare.\n"
        f"- Verbs: root + tense (present `-{TENSES['present']}`, past `-{TENSES['past']}`, "
        f"future `-{TENSES['future']}`) + `-{PLURAL_SUBJECT}` for a plural subject.\n"
        "- No articles.\n\n"
        "| root | part of speech | Spanish |\n|---|---|---|\n" + rows + "\n"
    )


def corpus(rng: random.Random) -> tuple[dict[str, str], list[str], list[str]]:
    """The text files by name, the lines of the scanned page and the spoken sentences."""
    lang = Kaniwa(rng)
    seen: set[str] = set()
    stories = lang.sentences(1400, seen)
    igt = lang.sentences(160, seen)
    examples = lang.sentences(40, seen)
    scanned = [s["text"] for s in lang.sentences(14, seen)]
    spoken = [s["text"] for s in lang.sentences(3, seen)]
    files = {
        "stories.txt": "".join(s["text"] + "\n" for s in stories),
        "stories.es.txt": "".join(s["spanish"] + "\n" for s in stories),
        "texts.txt": toolbox(igt),
        "dictionary.tsv": dictionary_tsv(lang, examples),
        "paradigms.csv": paradigms_csv(lang),
        "GRAMMAR.md": grammar_md(lang),
        "newsletter.gt.txt": "".join(line + "\n" for line in scanned),
        "elder.gt.txt": "".join(line + "\n" for line in spoken),
    }
    return files, scanned, spoken


def main(out: Path) -> None:
    """Write every sample file into ``out``."""
    rng = random.Random(SEED)
    files, scanned, spoken = corpus(rng)
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
    render_page(scanned, out / "newsletter.png", rng)
    speak(spoken, out / "elder.wav")
    print(f"Wrote {len(files) + 2} files to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "data" / "raw")
