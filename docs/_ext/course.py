"""Sphinx extension of the course site: tutorials from ``../tutorials``, guarded autodoc.

On ``config-inited`` (before Sphinx looks for source files):

* every ``tutorials/*.ipynb`` of the repository is copied into ``docs/tutorials/`` (a
  generated, gitignored folder: never edit it). The copy gets two additions the
  repository's notebooks do not carry:

  - under the title, links that launch the tutorial on Binder (and on a class
    JupyterHub through nbgitpuller, when ``course_jupyterhub`` is set in ``conf.py``);
  - at the end, a section with the kernel-free inspector of the tutorial's forecast,
    made by ``lx.export.inspector_html`` into ``docs/tutorials/_site_static/inspectors/``
    (published as ``_static/inspectors/``) and shown in an ``<iframe>`` (see
    ``course_inspector.py``, which the appended cell imports);

  and ``docs/tutorials/index.md`` lists them. myst-nb then executes the copies.
* Other files of ``tutorials/`` (data, images) are copied along, so relative paths work.

On ``source-read`` of the API pages, an ``automodule`` directive whose module does not
exist yet (``lstm_explained.export`` before issue 4 lands, ...) is replaced by a note,
so that the site builds with ``-W`` at every stage of the project.
"""

from __future__ import annotations

import copy
import html
import importlib.util
import json
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

GENERATED_MARKER = ".generated-by-docs-conf"
#: Under docs/tutorials: files the executed notebooks write for the site (conf.py lists
#: it in html_static_path, so they land in _static/, e.g. _static/inspectors/).
SITE_STATIC = "_site_static"
SOURCE_SUFFIXES = {".md", ".rst", ".txt"}
AUTOMODULE = re.compile(
    r"^\.\. automodule:: (?P<module>[\w.]+)\n(?P<options>(?:[ \t]+:.*\n?)*)", re.MULTILINE
)


def launch_links(config: Any, notebook: str) -> list[tuple[str, str]]:
    """(label, url) pairs that open ``tutorials/<notebook>`` in a live JupyterLab."""
    repo, branch = config.course_repository, config.course_branch
    path = f"tutorials/{notebook}"
    binder = (
        f"{config.course_binderhub.rstrip('/')}/v2/gh/{repo}/{quote(branch, safe='')}"
        f"?urlpath={quote('lab/tree/' + path, safe='')}"
    )
    links = [("Launch on Binder", binder)]
    if config.course_jupyterhub:
        name = repo.split("/")[-1]
        query = urlencode(
            {
                "repo": f"https://github.com/{repo}",
                "branch": branch,
                "urlpath": f"lab/tree/{name}/{path}",
            }
        )
        hub = f"{config.course_jupyterhub.rstrip('/')}/hub/user-redirect/git-pull?{query}"
        links.append(("Open on the class JupyterHub", hub))
    return links


def _launch_markdown(config: Any, notebook: str) -> str:
    links = " · ".join(
        f'<a class="lx-launch" href="{html.escape(url, quote=True)}">{html.escape(label)}</a>'
        for label, url in launch_links(config, notebook)
    )
    return (
        ":::{admonition} Run this tutorial yourself\n"
        ":class: tip lx-launch-box\n"
        f"{links}\n\n"
        "Binder starts a free, temporary JupyterLab with `lstm-explained` installed (the first "
        "start of a new version takes a few minutes). Or download the notebook with the "
        "download button at the top of the page and run it where the package is installed.\n"
        ":::\n"
    )


INSPECTOR_MARKDOWN = """\
## Step through it: the inspector, without a kernel

Everything above ran when this site was built. The inspector below is the single HTML
file that `lx.export.inspector_html(trace, path)` writes for this tutorial's trace: drag
the sliders or press *Play* to step through the timesteps, with no Python running. The
same file works from any web host, from a learning management system, or straight from
the disk.
"""


INSPECTOR_CODE = """\
# Added by docs/_ext/course.py for the course site (not in the repository's notebook).
import sys as _sys

_sys.path.insert(0, {ext_dir!r})
import course_inspector as _course_inspector

_course_inspector.show(globals(), {name!r}, {out_dir!r})
"""


def _split_title(source: str) -> tuple[str, str] | None:
    """Split a markdown cell after its first ``# `` heading line."""
    lines = source.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith("# "):
            head = "".join(lines[: i + 1])
            if not head.endswith("\n"):
                head += "\n"
            return head, "".join(lines[i + 1 :])
        if line.strip():
            return None
    return None


def _cell(cell_type: str, source: str, cell_id: str, **metadata: Any) -> dict:
    cell = {"cell_type": cell_type, "id": cell_id, "metadata": metadata, "source": source}
    if cell_type == "code":
        cell.update(outputs=[], execution_count=None)
    return cell


def prepare_notebook(nb: dict, notebook: str, config: Any, ext_dir: Path, out_dir: Path) -> dict:
    """The site's copy of a tutorial: launch links under the title, inspector at the end."""
    nb = copy.deepcopy(nb)
    cells = nb.setdefault("cells", [])
    launch = _cell("markdown", _launch_markdown(config, notebook), "lx-site-launch")
    for i, cell in enumerate(cells):
        if cell.get("cell_type") != "markdown":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        split = _split_title(source)
        if split is not None:
            head, rest = split
            cell["source"] = head
            new = [launch]
            if rest.strip():
                new.append(_cell("markdown", rest, "lx-site-intro"))
            cells[i + 1 : i + 1] = new
        else:
            cells.insert(i, launch)
        break
    else:
        cells.insert(0, launch)
    if nb.get("nbformat", 4) == 4 and nb.get("nbformat_minor", 0) < 5:
        for cell in cells:
            cell.pop("id", None)
    stem = Path(notebook).stem
    cells.append(_cell("markdown", INSPECTOR_MARKDOWN, "lx-site-inspector-text"))
    cells.append(
        _cell(
            "code",
            INSPECTOR_CODE.format(ext_dir=str(ext_dir), name=stem, out_dir=str(out_dir)),
            "lx-site-inspector",
            tags=["remove-input", "lx-inspector"],
        )
    )
    return nb


def sync_tutorials(src: Path, dest: Path, config: Any, ext_dir: Path) -> list[str]:
    """Copy ``src``'s notebooks (prepared) and data into ``dest``; return the notebook names."""
    if dest.exists():
        if not (dest / GENERATED_MARKER).exists() and any(dest.iterdir()):
            raise RuntimeError(
                f"{dest} exists and was not made by the docs build: move it away "
                "(the tutorials live in ../tutorials; docs/tutorials is generated)"
            )
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    (dest / GENERATED_MARKER).write_text("Generated by docs/_ext/course.py: do not edit.\n")
    inspectors = dest / SITE_STATIC / "inspectors"
    inspectors.mkdir(parents=True)
    notebooks = []
    if src.is_dir():
        for path in sorted(src.iterdir()):
            if path.name.startswith(".") or path.name == "__pycache__":
                continue
            if path.is_dir():
                shutil.copytree(
                    path, dest / path.name, ignore=shutil.ignore_patterns(".*", "__pycache__")
                )
            elif path.suffix == ".ipynb":
                nb = json.loads(path.read_text(encoding="utf-8"))
                prepared = prepare_notebook(nb, path.name, config, ext_dir, inspectors)
                (dest / path.name).write_text(
                    json.dumps(prepared, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
                )
                notebooks.append(path.name)
            elif path.suffix not in SOURCE_SUFFIXES:
                shutil.copy2(path, dest / path.name)
    entries = "\n".join(Path(n).stem for n in notebooks)
    if notebooks:
        listing = f"```{{toctree}}\n:maxdepth: 1\n\n{entries}\n```\n"
    else:
        listing = "*The tutorials are being written: none has landed yet.*\n"
    (dest / "index.md").write_text(
        "# Tutorials\n\n"
        "Four notebooks, executed when this site was built. Each page has a *launch* link "
        "that opens the notebook in a live JupyterLab, and ends with a kernel-free "
        "inspector of its forecast that you can step through right here.\n\n" + listing,
        encoding="utf-8",
    )
    return notebooks


def module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def guard_automodule(text: str) -> str:
    """Replace the ``automodule`` blocks of modules that do not exist yet by a note."""

    def replace(match: re.Match) -> str:
        module = match.group("module")
        if module_exists(module):
            return match.group(0)
        return (
            ".. note::\n\n"
            f"   ``{module}`` has not landed in this version yet: its reference appears "
            "here as soon as it does.\n"
        )

    return AUTOMODULE.sub(replace, text)


#: ``|x|`` (an absolute value in a plain-text docstring) is a substitution reference in
#: reStructuredText and fails the build: escape it unless it is inside ``literal`` text.
ABS_VALUE = re.compile(r"(?<![\w`\\|])\|([^|\s`][^|`]*?)\|(?![\w`|])")


def escape_abs_values(lines: list[str]) -> None:
    """Escape ``|x|`` outside inline literals, in place (``autodoc-process-docstring``)."""
    for i, line in enumerate(lines):
        if "|" not in line:
            continue
        parts = re.split(r"(``.*?``|`[^`]*`)", line)
        lines[i] = "".join(
            part if part.startswith("`") else ABS_VALUE.sub(r"\\|\1\\|", part) for part in parts
        )


def _on_docstring(app: Any, what: str, name: str, obj: Any, options: Any, lines: list) -> None:
    escape_abs_values(lines)


def _on_config_inited(app: Any, config: Any) -> None:
    docs = Path(app.confdir)
    ext_dir = Path(__file__).resolve().parent
    sync_tutorials(docs.parent / "tutorials", docs / "tutorials", config, ext_dir)


def _on_source_read(app: Any, docname: str, source: list[str]) -> None:
    if docname.startswith("api/"):
        source[0] = guard_automodule(source[0])


def setup(app: Any) -> dict:
    app.add_config_value("course_repository", "lstm-explained/lstm-explained", "html")
    app.add_config_value("course_branch", "main", "html")
    app.add_config_value("course_binderhub", "https://mybinder.org", "html")
    app.add_config_value("course_jupyterhub", "", "html")
    app.connect("config-inited", _on_config_inited)
    app.connect("source-read", _on_source_read)
    app.connect("autodoc-process-docstring", _on_docstring)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
