"""MkDocs hook of the documentation site (named in mkdocs.yml; not part of the package).

Adds, in memory, the pages that are generated rather than checked in:

* `index.md`, the home page: README.md as it is, its `docs/...` links made relative to docs/;
* `gallery/`: one page per library experiment and its figures, from `docs/make_gallery.py`.

So `mkdocs build` needs nothing generated beforehand and writes nothing outside its site folder.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

from mkdocs.structure.files import File, Files


def _make_gallery(root: Path):
    spec = importlib.util.spec_from_file_location("make_gallery", root / "docs" / "make_gallery.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module          # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def home_page(readme: str) -> str:
    """The README as the site's home page: links into docs/ made relative to the docs folder."""
    return re.sub(r"\]\(docs/", "](", readme)


def on_files(files: Files, config) -> Files:
    root = Path(config.config_file_path).resolve().parent
    files.append(File.generated(config, "index.md", content=home_page((root / "README.md").read_text("utf-8"))))
    for name, content in _make_gallery(root).pages(root).items():
        files.append(File.generated(config, f"gallery/{name}", content=content))
    return files
