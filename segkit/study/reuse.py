"""Re-using the earlier steps of a finished run: what must be unchanged, and the check.

``segkit run STUDY --from STEP --reuse RUN`` (or ``--only STEP``) takes the
artifacts of the steps before STEP from RUN instead of recomputing them. That
is sound only when those steps would compute the same thing: the input files
they read have the same SHA-256, and the study-file settings they depend on
(:attr:`segkit.study.steps.StepInfo.settings`, accumulated over the re-used
steps) have the same values. Anything else is refused, naming the difference.
"""

from __future__ import annotations

from typing import Any

from segkit.config import StudyConfig
from segkit.errors import ConfigError
from segkit.study.folder import RunFolder
from segkit.study.steps import StepInfo

__all__ = ["reuse_differences", "check_reuse"]

#: Keys of a table's entry under ``data`` that name where the file is, not what it holds.
_WHERE_KEYS = ("path",)


def _strip_paths(data: Any) -> Any:
    if not isinstance(data, dict):
        return data
    return {name: ({k: v for k, v in spec.items() if k not in _WHERE_KEYS} if isinstance(spec, dict) else spec)
            for name, spec in data.items()}


def _default(cfg: StudyConfig, key: str) -> Any:
    """The JSON form of a study-file key's default (None for a key without one)."""
    field = type(cfg).model_fields.get(key)
    if field is None or field.is_required():
        return None
    value = field.get_default(call_default_factory=True)
    return value.model_dump(mode="json") if hasattr(value, "model_dump") else value


def reuse_differences(manifest: dict[str, Any], cfg: StudyConfig, inputs: dict[str, dict[str, Any]],
                      steps: list[StepInfo]) -> list[str]:
    """What differs between a finished run and this study, for the settings and inputs ``steps`` depend on.

    Parameters
    ----------
    manifest : dict
        The finished run's manifest (its ``config``, ``inputs`` and ``steps``).
    cfg : StudyConfig
        The study about to run.
    inputs : dict
        This study's input files: table -> ``{"sha256": ...}``.
    steps : list of StepInfo
        The steps whose artifacts would be re-used.

    Returns
    -------
    list of str
        One sentence per difference; empty when re-use is sound.
    """
    diffs: list[str] = []
    status = {s.get("step"): s.get("status") for s in manifest.get("steps", [])}
    for s in steps:
        if status.get(s.name) not in ("ok", "reused"):
            diffs.append(f"step {s.name} did not complete in that run (status: {status.get(s.name, 'absent')})")
    old_cfg = manifest.get("config") or {}
    new_cfg = cfg.to_dict()
    keys = [k for s in steps for k in s.settings]
    for key in dict.fromkeys(keys):
        # a run made before a setting existed ran with its default
        old = old_cfg[key] if key in old_cfg else _default(cfg, key)
        new = new_cfg.get(key)
        if key == "data":
            old, new = _strip_paths(old), _strip_paths(new)
        if old != new:
            diffs.append(f"setting '{key}' changed: {old!r} in that run, {new!r} now")
    if any(s.reads_inputs for s in steps):
        old_inputs = manifest.get("inputs") or {}
        for table in sorted(set(old_inputs) | set(inputs)):
            a = (old_inputs.get(table) or {}).get("sha256")
            b = (inputs.get(table) or {}).get("sha256")
            if a != b:
                if a is None or b is None:
                    diffs.append(f"the {table} table is {'new' if a is None else 'no longer given'}")
                else:
                    diffs.append(f"the {table} file changed (SHA-256 {a[:12]}… then, {b[:12]}… now)")
    return diffs


def check_reuse(source: RunFolder, cfg: StudyConfig, inputs: dict[str, dict[str, Any]],
                steps: list[StepInfo]) -> dict[str, Any]:
    """Check that ``steps`` of the finished run ``source`` can be re-used; return its manifest.

    Raises
    ------
    ConfigError
        When ``source`` is not a finished run, or when a setting or input file
        the re-used steps depend on differs (every difference is named).
    """
    manifest = source.read_manifest()
    if not manifest or not source.artifacts_dir.is_dir():
        raise ConfigError(f"--reuse {source.path}: not a segkit run folder (no manifest.json and artifacts/)")
    if not source.is_finished:
        raise ConfigError(f"--reuse {source.path}: that run has not finished (status {manifest.get('status')!r})")
    diffs = reuse_differences(manifest, cfg, inputs, steps)
    if diffs:
        names = ", ".join(s.name for s in steps)
        raise ConfigError(f"cannot re-use steps {names} from {source.path}:\n  - " + "\n  - ".join(diffs)
                          + "\n  run those steps again (leave out --reuse, or start --from an earlier step)")
    return manifest
