"""One call that loads config and runs every check: what `smsflow validate` and the app use."""

from __future__ import annotations

from pathlib import Path

from connector.config.checks import check_bundle
from connector.config.loader import Bundle, load_paths

DEFAULT_FLOWS, DEFAULT_MAPPINGS, DEFAULT_MANIFEST = "flows", "mappings", "manifest.yaml"


def load_config(
    paths: list[str | Path] | None = None,
    *,
    mappings: str | Path = DEFAULT_MAPPINGS,
    manifest: str | Path = DEFAULT_MANIFEST,
) -> Bundle:
    """Load `paths` (default: flows/, mappings/, manifest.yaml) and check them together.

    When `paths` holds no mapping or no manifest, the default ones are loaded beside them, so validating one
    flow still checks its fields against the mappings and the manifest.
    """
    bundle = load_paths(list(paths) if paths else [DEFAULT_FLOWS, mappings, manifest])
    if not bundle.mappings and Path(mappings).is_dir():
        _merge(bundle, load_paths([mappings]))
    if bundle.manifest is None and Path(manifest).is_file():
        _merge(bundle, load_paths([manifest]))
    check_bundle(bundle)
    return bundle


def _merge(bundle: Bundle, extra: Bundle) -> None:
    bundle.mappings.update(extra.mappings)
    bundle.manifest = bundle.manifest or extra.manifest
    bundle.sources.update(extra.sources)
    bundle._files.update(extra._files)
    bundle.problems += extra.problems
