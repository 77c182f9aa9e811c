"""Reading a ``.gitlab-ci.yml`` as GitLab does, and running its jobs locally, for the tests.

Only the subset of GitLab CI the tracker's pipeline uses: ``rules: if:`` with ``==``, ``!=``,
``=~ /regex/``, ``&&``, ``||`` and bare ``$VAR``; ``variables`` expanded from the environment;
``cache`` (one or several), ``artifacts: paths`` and ``needs``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

KEYWORDS = {"default", "variables", "stages", "workflow", "include", "image", "services",
            "before_script", "after_script", "cache"}
# What only this repository's pipeline has: the release stage and its jobs, run on tags.
RELEASE_STAGE = "release"
SHAPE_KEYS = ("stage", "rules", "resource_group", "cache", "artifacts", "needs",
              "allow_failure", "interruptible", "variables")
# What a copy of the checkout leaves out: caches and environments, including those that tests
# on other pytest-xdist workers write while the copy is made (.hypothesis), the browser checks'
# npm packages and the report bench's mkdocs environment.
COPY_IGNORE = shutil.ignore_patterns(".venv", ".git", "__pycache__", ".pytest_cache",
                                     ".mypy_cache", ".ruff_cache", "public", ".tracker",
                                     "build", "dist", "*.egg-info", ".hypothesis",
                                     "node_modules", ".mkdocs-venv")


def load(path: Path) -> dict[str, Any]:
    """The pipeline as a mapping."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def jobs(pipeline: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The jobs (every top-level key that is not a keyword nor hidden)."""
    return {name: body for name, body in pipeline.items()
            if name not in KEYWORDS and not name.startswith(".")}


def shape(pipeline: Mapping[str, Any]) -> dict[str, Any]:
    """What must not drift between pipelines: everything but the script lines and comments."""
    return {
        "default": pipeline.get("default"),
        "stages": pipeline.get("stages"),
        "workflow": pipeline.get("workflow"),
        "variables": sorted(pipeline.get("variables", {})),
        "jobs": {name: {key: body.get(key) for key in SHAPE_KEYS}
                 for name, body in jobs(pipeline).items()},
    }


def without_release(pipeline: Mapping[str, Any]) -> dict[str, Any]:
    """This repository's pipeline less its release stage, jobs and tag rule: the scaffold's."""
    kept = {name: body for name, body in pipeline.items()
            if not (name in jobs(pipeline) and body.get("stage") == RELEASE_STAGE)}
    kept["stages"] = [stage for stage in pipeline["stages"] if stage != RELEASE_STAGE]
    kept["workflow"] = {"rules": [rule for rule in pipeline["workflow"]["rules"]
                                  if "CI_COMMIT_TAG" not in rule.get("if", "")]}
    return kept


def _value(token: str, env: Mapping[str, str]) -> str | None:
    token = token.strip()
    if token.startswith("$"):
        return env.get(token[1:].strip("{}"))
    if len(token) >= 2 and token[0] == token[-1] == '"':
        return token[1:-1]
    raise ValueError(f"unsupported operand {token!r}")


def _term(term: str, env: Mapping[str, str]) -> bool:
    if "=~" in term:
        left, right = term.split("=~")
        pattern = right.strip()
        assert pattern.startswith("/"), pattern
        assert pattern.endswith("/"), pattern
        return re.search(pattern[1:-1], _value(left, env) or "") is not None
    for operator in ("==", "!="):
        if operator in term:
            left, right = term.split(operator)
            equal = _value(left, env) == _value(right, env)
            return equal if operator == "==" else not equal
    return bool(_value(term, env))


def condition(expression: str, env: Mapping[str, str]) -> bool:
    """Evaluate a ``rules: if:`` expression (no parentheses: `&&` binds tighter than `||`)."""
    return any(all(_term(term, env) for term in alternative.split("&&"))
               for alternative in expression.split("||"))


def included(rules: list[dict[str, Any]] | None, env: Mapping[str, str]) -> bool:
    """Whether ``rules`` let the job (or pipeline) run: the first match decides."""
    if rules is None:
        return True
    for rule in rules:
        if "if" not in rule or condition(rule["if"], env):
            return rule.get("when", "on_success") != "never"
    return False


def selected(pipeline: Mapping[str, Any], env: Mapping[str, str]) -> list[str]:
    """The jobs a pipeline with these predefined variables would run, in file order."""
    if not included(pipeline.get("workflow", {}).get("rules"), env):
        return []
    return [name for name, body in jobs(pipeline).items() if included(body.get("rules"), env)]


def expand(value: str, env: Mapping[str, str]) -> str:
    """``$VAR`` and ``${VAR}`` replaced as GitLab expands variables (unknown: empty)."""
    return re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: env.get(m.group(1), ""), value)


def caches(job: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The job's caches as a list (GitLab accepts one mapping or a list)."""
    cache = job.get("cache") or []
    return [cache] if isinstance(cache, dict) else list(cache)


@dataclass
class JobRun:
    """What one job did locally."""

    name: str
    ran: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    output: str = ""
    workdir: Path = Path()
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class LocalRunner:
    """Runs jobs like a GitLab runner: a fresh checkout each, caches and artifacts in between.

    ``skip`` says which script lines only make sense on GitLab's runner (by prefix).
    """

    pipeline: Mapping[str, Any]
    source: Path
    scratch: Path
    venv_bin: Path
    base_env: Mapping[str, str]
    skip: Mapping[str, str]
    cache_store: dict[str, Path] = field(default_factory=dict)
    artifacts: dict[str, Path] = field(default_factory=dict)
    count: int = 0

    def _checkout(self, name: str) -> Path:
        self.count += 1
        workdir = self.scratch / f"{self.count:02d}-{name}"
        shutil.copytree(self.source, workdir, ignore=COPY_IGNORE)
        return workdir

    def env_for(self, job: Mapping[str, Any], workdir: Path,
                predefined: Mapping[str, str]) -> dict[str, str]:
        env = {"PATH": f"{self.venv_bin}{os.pathsep}/usr/bin{os.pathsep}/bin",
               "HOME": str(self.scratch), "LANG": "C.UTF-8", "CI": "true",
               "CI_PROJECT_DIR": str(workdir), **self.base_env, **predefined}
        for key, value in {**self.pipeline.get("variables", {}),
                           **job.get("variables", {})}.items():
            env[key] = expand(str(value), env)
        return env

    def run(self, name: str, predefined: Mapping[str, str]) -> JobRun:
        """Run job ``name`` in a fresh copy; raise if a line fails."""
        job = jobs(self.pipeline)[name]
        workdir = self._checkout(name)
        result = JobRun(name, workdir=workdir)
        for cache in caches(job):
            stored = self.cache_store.get(cache["key"])
            if stored is not None and cache.get("policy", "pull-push") != "push":
                shutil.copytree(stored, workdir, dirs_exist_ok=True)
        for need in job.get("needs", []):
            if need.get("artifacts", True) and need["job"] in self.artifacts:
                shutil.copytree(self.artifacts[need["job"]], workdir, dirs_exist_ok=True)
        env = self.env_for(job, workdir, predefined)
        result.env = env
        outputs = []
        for line in job["script"]:
            reason = next((why for prefix, why in self.skip.items() if line.startswith(prefix)),
                          None)
            if reason is not None:
                result.skipped.append(line)
                continue
            done = subprocess.run(["bash", "-e", "-c", line], cwd=workdir, env=env,  # noqa: S607
                                  capture_output=True, text=True, timeout=120, check=False)
            outputs.append(f"$ {line}\n{done.stdout}{done.stderr}")
            if done.returncode != 0:
                raise AssertionError(f"job {name}: {line!r} exited {done.returncode}:\n"
                                     + "\n".join(outputs))
            result.ran.append(line)
        result.output = "\n".join(outputs)
        self._keep(name, job, workdir)
        return result

    def _keep(self, name: str, job: Mapping[str, Any], workdir: Path) -> None:
        for cache in caches(job):
            if cache.get("policy", "pull-push") == "pull":
                continue
            self.cache_store[cache["key"]] = self._collect(workdir, cache["paths"],
                                                           f"cache-{cache['key']}")
        if "artifacts" in job:
            self.artifacts[name] = self._collect(workdir, job["artifacts"]["paths"],
                                                 f"artifacts-{name}")

    def _collect(self, workdir: Path, paths: list[str], label: str) -> Path:
        self.count += 1
        target = self.scratch / f"{self.count:02d}-{label}"
        target.mkdir()
        for relative in paths:
            found = workdir / relative.rstrip("/")
            if found.is_dir():
                shutil.copytree(found, target / relative.rstrip("/"))
            elif found.is_file():
                (target / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(found, target / relative)
        return target
