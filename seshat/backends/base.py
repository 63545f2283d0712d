"""The Backend interface: everything Seshat knows about one trainer, behind one class.

Seshat never owns a training loop. A backend turns the project spec, the plan and the profile
into the trainer's own YAML (from a Jinja template), checks it strictly, names the command and
environment that run it inside its managed venv, reads its progress, says how to resume and
merge, and where its adapter is.

A trainer is a plug-in: one folder (``backends/<name>/``) with its class, ``templates/``,
``requirements/<name>-<device>.txt``, ``schema.json`` (the shipped snapshot), ``probe.py`` (the
snapshot and validation run inside its venv) and its metrics reader, registered as an entry point
of the group ``seshat.backends`` (see :mod:`seshat.plugins`).
"""

from __future__ import annotations

import inspect
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import jinja2
import yaml

from seshat import __version__, templating
from seshat.backends.metrics import MetricsReader
from seshat.backends.schema import Problem, Snapshot, load_snapshot
from seshat.config.loader import LoadedProject
from seshat.config.models import ModelSpec
from seshat.envs.managed import ManagedEnv, Recipe, Step
from seshat.errors import TemplateError
from seshat.machine import available_cores
from seshat.model_family import chat_template_for
from seshat.paths import PACKAGE_DIR
from seshat.plan.make import SIZES, Plan
from seshat.profiles import Profile

CONFIG_FILE = "backend.yaml"
DEEPSPEED_FILE = "deepspeed.json"  # beside the config, for profiles with sharding: zero3
DEEPSPEED_TEMPLATE = "deepspeed/zero3.json.j2"  # shipped in templates/, the same for every trainer
# trainer keys that upload a model or data to a hub (Hugging Face's push_to_hub, hub_model_id...)
HUB_UPLOAD = ("push_to_hub", "push_dataset_to_hub", "hub_", "hf_upload")


@dataclass(frozen=True)
class Rendered:
    """A rendered backend config, ready to check and run.

    Attributes:
        backend: Backend name.
        recipe: Template name (``sft``).
        profile: Profile name.
        yaml_text: The backend config file's text.
        config: The same, parsed.
        files: Extra files to write next to it, by name (LLaMA-Factory's ``dataset_info.json``).
        argv: The training command, program name first (resolved in the backend env's ``bin/``).
        env: Environment variables the backend needs (profile + Seshat's defaults).
        intended_keys: The top-level keys the template writes itself (any other key came in
            through a value, and the strict check refuses it).
    """

    backend: str
    recipe: str
    profile: str
    yaml_text: str
    config: dict[str, Any]
    files: dict[str, str] = field(default_factory=dict)
    argv: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    intended_keys: frozenset[str] = frozenset()

    def write(self, folder: Path) -> Path:
        """Write the config and its extra files atomically into ``folder``; return the config path."""
        from seshat.yamlio import atomic_write_text

        folder.mkdir(parents=True, exist_ok=True)
        for name, text in self.files.items():
            atomic_write_text(folder / name, text)
        path = folder / CONFIG_FILE
        atomic_write_text(path, self.yaml_text)
        return path


PROBE = PACKAGE_DIR / "backends" / "probes" / "schema_probe.py"
ADAPTER_CONFIG = "adapter_config.json"  # PEFT's adapter layout, which both trainers write


def is_adapter_folder(path: Path) -> bool:
    """Whether ``path`` holds a PEFT adapter (``adapter_config.json``)."""
    return (path / ADAPTER_CONFIG).is_file()


class Backend:
    """Base class of the trainers. Subclasses set the class attributes and the hooks.

    Attributes:
        name: The trainer's name (``backend:`` in seshat.yaml).
        purpose: One line for listings.
        extra_templates: Files rendered beside the config: ``{file name: template name}``.
        speedups: The throughput features the trainer offers (``seshat.profiles.Speedups``
            names); the plan turns each on where it fits (``plan.speedups`` in templates).
        chat_templates: The trainer's chat template name per model family
            (:data:`seshat.model_family.FAMILIES`).
        unknown_family_template: The template for a model of unknown family (None: refuse).
    """

    name: ClassVar[str]
    purpose: ClassVar[str] = ""
    # the throughput features its templates render (names of seshat.profiles.Speedups)
    speedups: ClassVar[frozenset[str]] = frozenset()
    # what it cannot combine: {feature: (other feature, why)} (the feature is off while the other is on)
    speedup_excludes: ClassVar[dict[str, tuple[str, str]]] = {}
    extra_templates: ClassVar[dict[str, str]] = {}
    chat_templates: ClassVar[dict[str, str]] = {}
    unknown_family_template: ClassVar[str | None] = None

    # ---- the plug-in folder ----------------------------------------------------------------
    @property
    def folder(self) -> Path:
        """The plug-in's folder (where its class is defined)."""
        return Path(inspect.getfile(type(self))).resolve().parent

    @property
    def templates_dir(self) -> Path:
        """The shipped templates (a project's ``templates/<name>/`` overrides them)."""
        return self.folder / "templates"

    def template_file(self, project_dir: Path, recipe: str) -> Path | None:
        """The template file a render of ``recipe`` uses: the project's, else the shipped one."""
        name = f"{recipe}.yaml.j2"
        for folder in templating.template_dirs(project_dir)[:-1]:
            if (folder / self.name / name).is_file():
                return folder / self.name / name
        shipped = self.templates_dir / name
        return shipped if shipped.is_file() else None

    def recipe(self) -> Recipe:
        """How the trainer's managed venv is built: its pinned files, fix-ups, schema snapshot."""

        def after_install(env: ManagedEnv, step: Step) -> None:
            self.after_install(env.path)
            step(
                "snapshot the config schema",
                [env.python, PROBE, "snapshot", self.folder / "probe.py", env.path / "schema.json"],
            )

        return Recipe(
            name=self.name,
            purpose=self.purpose,
            requirements_dir=self.folder / "requirements",
            trainer=True,
            after_install=after_install,
        )

    # ---- rendering -------------------------------------------------------------------------
    def context(
        self,
        project: LoadedProject,
        plan: Plan,
        profile: Profile,
        run_dir: Path,
        init_adapter: Path | None = None,
    ) -> dict[str, Any]:
        """Variables a template sees. Paths are relative to the project dir (the backend's cwd)."""
        spec = project.spec
        root = project.root

        def rel(path: Path | None) -> str | None:
            if path is None:
                return None
            return os.path.relpath(root / path, root) if not Path(path).is_absolute() else str(path)

        def from_dataset_dir(path: Path | None) -> str | None:
            if path is None:
                return None
            return os.path.relpath(
                root / path, root / run_dir
            )  # dataset_info.json lives in run_dir

        model = spec.model
        return {
            "seshat_version": __version__,
            "project": {"name": spec.name},
            "language": spec.language.model_dump(),
            "source_language": spec.source_language.model_dump(),
            "model": {
                "base": model.base,
                "revision": model.revision,
                "trust_remote_code": model.trust_remote_code,
                "local": model.is_local(root),
            },
            "chat_template": self.chat_template(model, root),
            "method": plan.method,
            # the plan may narrow 'all-linear' (mixture-of-experts models: experts left alone)
            "lora": spec.training.lora.model_dump()
            | {"target_modules": plan.value("lora_target_modules")},
            "train": spec.training.model_dump()
            | ({"eval_steps": plan.eval_steps.value} if plan.eval_steps else {}),
            "plan": {name: plan.value(name) for name in SIZES}
            | {
                "load_in_4bit": plan.load_in_4bit,
                "modules_to_save": plan.value("modules_to_save"),
                # the throughput features on for this run (seshat/plan/speedups.py)
                "speedups": {name: plan.on(name) for name in plan.speedups},
                "attention": "flash_attention_2"
                if plan.on("flash_attention")
                else profile.attention,
                "eval_in_training": plan.eval_in_training is None
                or bool(plan.eval_in_training.value),
            },
            "profile": profile.model_dump(mode="json"),
            # several GPUs: DeepSpeed ZeRO-3 (its config is written beside the trainer's)
            "distributed": {
                "world_size": profile.world_size,
                "zero3": profile.sharding == "zero3",
                "deepspeed_config": (run_dir / DEEPSPEED_FILE).as_posix(),
            },
            "data": {
                "train": rel(spec.data.train),
                "dev": rel(spec.data.dev),
                "train_from_dataset_dir": from_dataset_dir(spec.data.train),
                "dev_from_dataset_dir": from_dataset_dir(spec.data.dev),
            },
            "out": {
                "run_dir": run_dir.as_posix(),
                "output_dir": (run_dir / "output").as_posix(),
                "prepared_dir": (run_dir / "prepared").as_posix(),
                "dataset_dir": run_dir.as_posix(),
            },
            # continue=RUN: the earlier run's adapter, trained further instead of a fresh one.
            "init": {"adapter_dir": init_adapter.as_posix() if init_adapter else None},
        }

    def render(
        self,
        project: LoadedProject,
        plan: Plan,
        profile: Profile,
        run_dir: Path,
        recipe: str = "sft",
        init_adapter: Path | None = None,
    ) -> Rendered:
        """Render the backend config for ``project`` x ``profile`` into memory.

        Args:
            project: The validated project.
            plan: Concrete training numbers.
            profile: The concrete hardware profile.
            run_dir: Where the config will live, relative to the project dir.
            recipe: Template name under ``templates/<backend>/``.
            init_adapter: An adapter folder (relative to the project) to train further.

        Returns:
            The rendered config, its extra files, command and environment.

        Raises:
            TemplateError: Missing template, undefined variable, or output that is not valid YAML.
        """
        env = templating.environment(
            project.root, {self.name: self.templates_dir}, yaml_output=True
        )
        context = self.context(project, plan, profile, Path(run_dir), init_adapter)
        main = f"{self.name}/{recipe}.yaml.j2"
        try:
            template = env.get_template(main)
            text = template.render(context)
            assert env.loader is not None
            intended = templating.literal_keys(env.loader.get_source(env, main)[0])
            files = {
                out: env.get_template(f"{self.name}/{tpl}").render(context)
                for out, tpl in self.extra_templates.items()
            }
            if profile.sharding == "zero3":
                files[DEEPSPEED_FILE] = env.get_template(DEEPSPEED_TEMPLATE).render(context)
        except jinja2.TemplateNotFound as exc:
            known = (
                ", ".join(templating.recipes(self.name, project.root, self.templates_dir)) or "none"
            )
            raise TemplateError(
                f"No template {exc.name!r} for backend {self.name} (recipes: {known}).",
                f"set `training.recipe` to one of: {known}, or add templates/{main} to the project",
            ) from None
        except jinja2.UndefinedError as exc:
            raise TemplateError(
                f"Template {main} uses an undefined value: {exc.message}.",
                "fix the template (project templates/ override shipped ones), then `seshat render` again",
            ) from None
        except jinja2.TemplateError as exc:  # syntax, or what the sandbox refuses
            raise TemplateError(
                f"Template {main} cannot be rendered: {exc}.",
                "templates are data: only the names Seshat passes in, no attributes of Python "
                "objects; fix the template (project templates/ override shipped ones)",
            ) from None
        try:
            config = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise TemplateError(f"Template {main} rendered invalid YAML: {exc}.") from None
        return Rendered(
            backend=self.name,
            recipe=recipe,
            profile=profile.name,
            yaml_text=text,
            config=config,
            files=files,
            argv=self.train_argv((Path(run_dir) / CONFIG_FILE).as_posix(), profile),
            env=self.run_env(project, profile),
            intended_keys=frozenset(intended),
        )

    def run_env(self, project: LoadedProject, profile: Profile) -> dict[str, str]:
        """Environment for the backend process: the profile's variables plus Seshat's defaults."""
        env = {
            "DO_NOT_TRACK": "1",
            "TOKENIZERS_PARALLELISM": "false",
            "PYTHONUNBUFFERED": "1",
            "WANDB_DISABLED": "true",
        }
        if project.spec.model.is_local(project.root):
            env |= {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        env |= profile.env
        # threads follow the cores this process may use, unless the profile pins them (a fixed
        # 16 oversubscribes a 2-core machine: steps 4-14x slower)
        env.setdefault("OMP_NUM_THREADS", str(available_cores()))
        return env

    def after_install(self, env_dir: Path) -> None:
        """Backend-specific fix-ups after the packages are installed (default: none)."""

    def train_argv(self, config_name: str, profile: Profile) -> list[str]:  # pragma: no cover
        """The training command (first item: a program in the backend env's ``bin/``)."""
        raise NotImplementedError

    def merge_command(
        self, trained: dict[str, Any], run_dir: Path, adapter_dir: Path, work_dir: Path
    ) -> tuple[list[str], dict[str, str]]:  # pragma: no cover
        """The command that merges ``adapter_dir`` into the base model, writing ``work_dir/merged``.

        Args:
            trained: The run's backend config, parsed.
            run_dir: The run folder (relative to the project dir, the command's cwd).
            adapter_dir: The adapter to merge, always passed explicitly.
            work_dir: A scratch folder; the merged model must end up in ``work_dir/merged``.

        Returns:
            The command (program in the env's ``bin/`` first) and files to write first, by path.
        """
        raise NotImplementedError

    def dev_loss_command(
        self,
        trained: dict[str, Any],
        run_dir: Path,
        model_dir: Path,
        adapter: bool,
        dev: Path,
        work_dir: Path,
    ) -> tuple[list[str], dict[str, str]]:
        """The command that measures the dev loss of a finished run, in a process of its own.

        For profiles where evaluating inside the training process is unsafe
        (``eval_in_training: false``): the trainer's own evaluation of the final model.

        Args:
            trained: The run's backend config, parsed.
            run_dir: The run folder (relative to the project dir, the command's cwd).
            model_dir: The final adapter (``adapter``) or the full model to evaluate.
            adapter: Whether ``model_dir`` is an adapter on the run's base model.
            dev: The dev split (chat JSONL, relative to the project dir).
            work_dir: A scratch folder for the pass's config and results.

        Returns:
            The command (program in the env's ``bin/`` first) and files to write first, by path.

        Raises:
            SeshatError: The trainer cannot measure a dev loss in a separate pass.
        """
        from seshat.errors import SeshatError

        raise SeshatError(
            f"The {self.name} trainer has no separate dev-loss pass.",
            "evaluate in the training process (a profile with eval_in_training: true)",
        )

    def read_dev_loss(self, work_dir: Path) -> float | None:
        """The dev loss :meth:`dev_loss_command` wrote into ``work_dir`` (None: not found)."""
        return None

    def chat_template(self, model: ModelSpec, project_dir: Path) -> str:
        """The trainer's chat template for ``model`` (``model.chat_template`` wins unless 'auto')."""
        return chat_template_for(
            model, self.chat_templates, self.unknown_family_template, self.name, project_dir
        )

    # ---- following a run -------------------------------------------------------------------
    def metrics_reader(
        self, output_dir: Path, logging_steps: int, first_step: int
    ) -> MetricsReader:
        """What turns this trainer's output into metric rows (default: none)."""
        return MetricsReader()

    def resume_patch(self, checkpoint: Path) -> dict[str, Any]:
        """Config keys that make the trainer go on from ``checkpoint`` (relative to the project)."""
        return {"resume_from_checkpoint": checkpoint.as_posix()}

    def adapter_dir(self, output_dir: Path) -> Path | None:
        """Where a finished run's adapter is (PEFT layout in ``output/``), or None."""
        return output_dir if is_adapter_folder(output_dir) else None

    def adapter_shape(self, adapter_dir: Path) -> tuple[Any, Any]:
        """The adapter's rank and alpha (a continued run must keep them)."""
        shape = json.loads((adapter_dir / ADAPTER_CONFIG).read_text(encoding="utf-8"))
        return shape.get("r"), shape.get("lora_alpha")

    # ---- checking --------------------------------------------------------------------------
    def shipped_snapshot_path(self) -> Path:
        """The snapshot shipped for the pinned trainer version (in the plug-in folder)."""
        return self.folder / "schema.json"

    def probe_path(self) -> Path:
        """The trainer's probe (snapshot and own validation, run inside its venv)."""
        return self.folder / "probe.py"

    def snapshot(self, env_dir: Path | None = None) -> Snapshot:
        """The schema snapshot: the shipped one for the pinned versions, else the env's own.

        An env built from other pins (``--requirements FILE``) is checked against the snapshot it
        took at install time; for the pinned versions the shipped snapshot wins (it may describe
        more, such as a plugin's options, than the probe of an older Seshat recorded).
        """
        shipped = load_snapshot(self.shipped_snapshot_path())
        if env_dir is not None and (env_dir / "schema.json").is_file():
            installed = load_snapshot(env_dir / "schema.json")
            if installed.versions != shipped.versions:
                return installed
        return shipped

    def rules(self, config: dict[str, Any], profile: Profile) -> list[Problem]:
        """Backend-specific consistency rules (contradictory flags and the like)."""
        return []

    def strict_check(
        self, rendered: Rendered, profile: Profile, snapshot: Snapshot
    ) -> list[Problem]:
        """Check a rendered config without importing the backend: schema + consistency rules.

        Two checks hold for every trainer: only the keys its template writes (a key a value
        smuggled in is refused), and no upload to a model hub (exports go through the access
        gate: ``seshat export``).
        """
        problems = snapshot.check(rendered.config) + self.rules(rendered.config, profile)
        config = rendered.config if isinstance(rendered.config, dict) else {}
        if rendered.intended_keys:
            for key in sorted(set(config) - rendered.intended_keys):
                problems.append(
                    Problem(key, "the template does not write this key: a value brought it in")
                )
        for key, value in config.items():
            if str(key).startswith(HUB_UPLOAD) and value not in (None, False, "", "never"):
                problems.append(
                    Problem(
                        key,
                        "uploads to a model hub are not rendered: a model leaves the machine "
                        "only through `seshat export`, which asks the access policy",
                    )
                )
        return problems
