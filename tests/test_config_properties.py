"""Property tests: no seshat.yaml text and no key=value override makes config loading fail with
anything but a ConfigError (one paragraph naming the file or item) or a valid project."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seshat.config.loader import load_project
from seshat.config.overrides import apply_overrides
from seshat.errors import ConfigError
from seshat.scaffold import scaffold

KEYS = st.sampled_from(
    [
        "name",
        "backend",
        "profile",
        "model.base",
        "training.lr",
        "training.method",
        "training.lora.rank",
        "training.max_steps",
        "language.name",
        "language.code",
        "source_language.code",
        "data.train",
        "data.dev",
        "splits.test",
        "tasks.glossing",
        "access.rules.dataset_export",
        "access.overrides.cloud_launch",
        "sources",
        "tracking.wandb.mode",
        "cleaning",
        "x.y.z",
        "training",
        "training.lora",
    ]
)
VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "true",
            "null",
            "[]",
            "{}",
            "1e-4",
            "-1",
            "0",
            "nan",
            "inf",
            "[1, 2]",
            "{a: 1}",
            "'quoted'",
            '"x\\ny"',
            "a: b",
            "- x",
            "&a x",
            "*a",
            "!!python/object:os.system",
        ]
    ),
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("prop") / "proj"
    scaffold(folder, name="Toy", code="toy")
    return folder


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(items=st.lists(st.tuples(KEYS, VALUES).map(lambda kv: f"{kv[0]}={kv[1]}"), max_size=4))
def test_overrides_give_a_project_or_a_config_error(project: Path, items: list[str]) -> None:
    try:
        load_project(project, items)
    except ConfigError as exc:
        assert exc.message and "Traceback" not in exc.message


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(junk=st.text(max_size=200))
def test_override_items_of_any_shape(project: Path, junk: str) -> None:
    try:
        apply_overrides({"name": "x"}, [junk])
        load_project(project, [junk])
    except ConfigError:
        pass


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.one_of(
        st.text(max_size=300), st.binary(max_size=300).map(lambda b: b.decode("latin-1"))
    )
)
def test_any_config_text(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    folder = tmp_path_factory.mktemp("text")
    (folder / "seshat.yaml").write_text(text, encoding="utf-8")
    try:
        load_project(folder)
    except ConfigError as exc:
        assert exc.message
