from __future__ import annotations

from pathlib import Path

import pytest

from seshat.config.loader import load_project
from seshat.config.overrides import apply_overrides, parse_override
from seshat.errors import ConfigError


def test_scaffold_validates_with_defaults(project: Path) -> None:
    loaded = load_project(project)
    spec = loaded.spec
    assert spec.language.name == "Shipibo-Konibo"
    assert spec.source_language.code == "es"  # Spanish is only the default
    assert spec.training.lora.rank == 64
    assert spec.training.method.value == "auto"  # LoRA, or QLoRA when only 4-bit fits
    assert spec.tracking.wandb.mode == "offline"


def test_overrides_are_typed_and_nested(project: Path) -> None:
    spec = load_project(
        project,
        [
            "training.lr=1e-4",
            "training.lora.rank=128",
            "backend=llamafactory",
            "profile=strix-halo-cpu",
            "training.max_steps=10",
        ],
    ).spec
    assert spec.training.learning_rate == pytest.approx(1e-4)
    assert spec.training.lora.rank == 128
    assert spec.training.max_steps == 10
    assert spec.backend == "llamafactory"
    assert spec.profile == "strix-halo-cpu"


def test_source_language_is_configurable(project: Path) -> None:
    spec = load_project(project, ["source_language.name=Português", "source_language.code=pt"]).spec
    assert spec.source_language.name == "Português"


def test_parse_override_rejects_missing_equals() -> None:
    with pytest.raises(ConfigError, match="key=value"):
        parse_override("training.lr")


def test_apply_overrides_does_not_modify_input() -> None:
    data = {"training": {"lr": 1}}
    out = apply_overrides(data, ["training.lr=2"])
    assert data == {"training": {"lr": 1}} and out == {"training": {"lr": 2}}


def test_override_into_scalar_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="not a mapping"):
        apply_overrides({"backend": "axolotl"}, ["backend.x=1"])


def _write(project: Path, old: str, new: str) -> None:
    path = project / "seshat.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_unknown_key_names_file_line_path_and_suggestion(project: Path) -> None:
    _write(project, "    rank: 64", "    rnak: 64")
    with pytest.raises(ConfigError) as info:
        load_project(project)
    message = str(info.value)
    assert "seshat.yaml:" in message
    assert "training.lora.rnak: unknown key" in message
    assert "Did you mean 'rank'?" in message
    lines = (project / "seshat.yaml").read_text().splitlines()
    line = next(number for number, text in enumerate(lines, 1) if "rnak" in text)
    assert f"seshat.yaml:{line}:" in message


def test_bad_enum_names_value_and_accepted_values(project: Path) -> None:
    _write(project, "  method: auto ", "  method: lorra ")
    with pytest.raises(ConfigError) as info:
        load_project(project)
    message = str(info.value)
    assert "training.method: 'lorra'" in message
    assert "'lora', 'qlora' or 'full'" in message


def test_wrong_type_from_command_line_is_attributed(project: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_project(project, ["training.lora.rank=ocho"])
    message = str(info.value)
    assert "command line: training.lora.rank: 'ocho'" in message


def test_malformed_yaml_gives_line_and_column(project: Path) -> None:
    (project / "seshat.yaml").write_text("name: x\nlanguage: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"seshat.yaml:\d+:\d+ is not valid YAML"):
        load_project(project)


def test_not_utf8_is_a_clear_error(project: Path) -> None:
    (project / "seshat.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="not valid UTF-8"):
        load_project(project)


def test_missing_config_names_init(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_project(tmp_path)
    assert "seshat init" in str(info.value)


def test_duplicate_source_ids_rejected(project: Path) -> None:
    _write(
        project,
        "sources: []",
        "sources:\n  - {id: a, path: x.tsv, format: tsv}\n  - {id: a, path: y.tsv, format: tsv}",
    )
    with pytest.raises(ConfigError, match="used twice"):
        load_project(project)


def test_sources_default_to_cautious_access(project: Path) -> None:
    _write(project, "sources: []", "sources:\n  - {id: dict, path: data/raw/d.tsv, format: tsv}")
    assert load_project(project).spec.sources[0].access.value == "community"


def test_config_schema_lists_every_section() -> None:
    from seshat.config.schema_doc import describe

    text = describe()
    for key in (
        "training.lora.rank",
        "training.learning_rate (alias: lr)",
        "sources[].access",
        "tracking.wandb.mode",
    ):
        assert key in text


def test_a_key_given_twice_is_an_error_not_a_silent_override(tmp_path: Path) -> None:
    from seshat.scaffold import scaffold

    folder = tmp_path / "proj"
    scaffold(folder, name="Toy", code="toy")
    config = folder / "seshat.yaml"
    config.write_text(config.read_text().replace('  code: "toy"', '  code: "toy"\n  code: tox'))
    with pytest.raises(ConfigError, match=r"`language.code` at lines \d+ and \d+"):
        load_project(folder)


def test_docs_formats_is_generated_from_the_option_models() -> None:
    from conftest import REPO

    from seshat.config.schema_doc import describe_formats

    assert (REPO / "docs" / "formats.md").read_text(encoding="utf-8") == describe_formats(), (
        "run `seshat config formats > docs/formats.md`"
    )


def test_every_format_has_one_option_model_and_a_valid_example() -> None:
    import yaml

    from seshat.config.models import Source
    from seshat.config.reader_options import READER_OPTIONS
    from seshat.config.schema_doc import EXAMPLES
    from seshat.kinds import SourceFormat

    assert set(READER_OPTIONS) == set(SourceFormat) == set(EXAMPLES)
    for fmt, example in EXAMPLES.items():
        assert Source.model_validate(yaml.safe_load(example)).format == fmt


def test_a_misspelled_reader_option_is_an_error_with_the_close_match() -> None:
    import pydantic
    import pytest

    from seshat.config.models import Source

    with pytest.raises(pydantic.ValidationError) as caught:
        Source(id="s", path="x.txt", format="parallel", options={"aling": True})
    assert "options.aling is not an option" in str(caught.value)
    assert "did you mean 'align'" in str(caught.value)
