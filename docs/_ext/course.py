"""Sphinx extension of the course site: the tutorials as pages, guarded autodoc.

The tutorials are MyST Markdown notebooks in ``../tutorials`` (``NN_name.md``), and the
site reads them as they are:

* on ``config-inited``, ``docs/tutorials`` is made a symbolic link to ``../tutorials``
  (generated, gitignored), so the notebooks are pages ``tutorials/NN_name`` that myst-nb
  executes; ``conf.py`` excludes every other file of that folder, and ``tutorials.md``
  lists the notebooks with a glob;
* under each tutorial's title the page gets a box with links that launch the notebook on
  Binder (and on a class JupyterHub through nbgitpuller, when ``course_jupyterhub`` is set
  in ``conf.py``) and download it as an ``.ipynb``;
* the ``.ipynb`` is the notebook myst-nb executed for the page (outputs included), copied
  at the end of the build to ``_sources/tutorials/NN_name.ipynb``, where the theme's
  download button offers it too.

The inspector at the end of a tutorial is a cell of the tutorial itself
(``lstm_explained.notebook.static_inspector``), not something this extension adds.

On ``source-read`` of the API pages, an ``automodule`` directive whose module does not
exist yet is replaced by a note, so that the site builds with ``-W`` at every stage of the
project.
"""

from __future__ import annotations

import html
import importlib.util
import os
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from docutils import nodes

#: A folder the docs build used to generate (a copy of the notebooks): safe to replace.
GENERATED_MARKER = ".generated-by-docs-conf"
#: The docnames of the tutorials: docs/tutorials/NN_name.md.
TUTORIAL = re.compile(r"^tutorials/\d\d_[^/]+$")
AUTOMODULE = re.compile(
    r"^\.\. automodule:: (?P<module>[\w.]+)\n(?P<options>(?:[ \t]+:.*\n?)*)", re.MULTILINE
)


def is_tutorial(docname: str) -> bool:
    """True for the pages that are tutorials (``tutorials/NN_name``)."""
    return TUTORIAL.match(docname) is not None


def link_tutorials(docs: Path) -> Path:
    """Make ``docs/tutorials`` a relative symbolic link to ``../tutorials``; return it.

    An earlier build's generated copy is replaced; anything else there is an error.
    """
    link, target = docs / "tutorials", Path("..") / "tutorials"
    if link.is_symlink():
        if Path(os.readlink(link)) == target:
            return link
        link.unlink()
    elif link.is_dir() and (link / GENERATED_MARKER).exists():
        shutil.rmtree(link)
    elif link.exists():
        raise RuntimeError(
            f"{link} exists and was not made by the docs build: move it away (the tutorials "
            "live in ../tutorials; docs/tutorials is a link to them, made by the build)"
        )
    try:
        link.symlink_to(target, target_is_directory=True)
    except OSError as exc:
        raise RuntimeError(
            f"cannot link {link} to {target} ({exc.strerror or exc}): the site reads the "
            "tutorials through this link. On Windows, enable Developer Mode (symbolic links)."
        ) from None
    return link


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


def download_path(docname: str) -> str:
    """Where the site offers a tutorial's ``.ipynb``, relative to the site's root."""
    return f"_sources/{docname}.ipynb"


def launch_box_html(config: Any, notebook: str, download: str = "") -> str:
    """The box under a tutorial's title: launch links and the ``.ipynb`` download.

    Every address and label is escaped; the links sit on a line of their own.
    """
    esc = html.escape
    links = " · ".join(
        f'<a class="lx-launch" href="{esc(url, quote=True)}">{esc(label)}</a>'
        for label, url in launch_links(config, notebook)
    )
    if download:
        get = (
            f'Or <a class="lx-download" href="{esc(download, quote=True)}" download>download '
            "the notebook</a> (<code>.ipynb</code>, with the outputs of this page)"
        )
    else:
        get = "Or download the notebook with the download button at the top of the page"
    return (
        '<div class="admonition tip lx-launch-box">\n'
        '<p class="admonition-title">Run this tutorial yourself</p>\n'
        f"<p>\n{links}\n</p>\n"
        "<p>Binder starts a free, temporary JupyterLab with <code>lstm-explained</code> "
        "installed (the first start of a new version takes a few minutes). "
        f"{get} and run it where the package is installed.</p>\n"
        "</div>\n"
    )


def _on_doctree_read(app: Any, doctree: nodes.document) -> None:
    """Put the launch box under the title of every tutorial page."""
    docname = app.env.docname
    if not is_tutorial(docname):
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:  # a tutorial without a title: -W fails the build on it anyway
        return
    depth = "../" * docname.count("/")
    notebook = Path(app.env.doc2path(docname)).name
    box = launch_box_html(app.config, notebook, depth + download_path(docname))
    section.insert(1, nodes.raw("", box, format="html"))


def _on_page_context(app: Any, pagename: str, templatename: str, context: dict, doctree: Any
                     ) -> None:
    """Tell the theme that a tutorial page has an ``.ipynb`` (its download button)."""
    if is_tutorial(pagename):
        context["ipynb_source"] = f"{pagename}.ipynb"


def _on_build_finished(app: Any, exception: Exception | None) -> None:
    """Copy each tutorial's executed notebook to where its page links it."""
    if exception is not None or app.builder.format != "html":
        return
    executed = Path(app.env.mystnb_config.output_folder)
    for docname in sorted(app.env.found_docs):
        if is_tutorial(docname):
            source = executed / f"{docname}.ipynb"
            target = Path(app.outdir) / download_path(docname)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)


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
    link_tutorials(Path(app.confdir))


def _on_source_read(app: Any, docname: str, source: list[str]) -> None:
    if docname.startswith("api/"):
        source[0] = guard_automodule(source[0])


def _drop_widget_state(app: Any, env: Any) -> None:
    """No page carries the executed notebooks' widget state or the widget JavaScript.

    The site shows each widget's kernel-free HTML instead of its view (``conf.py``'s
    ``nb_mime_priority_overrides``), so the state (for a GateInspector: its whole payload a
    second time) would only weigh on the page, and the widget manager would try to load the
    anywidget module from a CDN. myst-nb registers both per page as ``ipywidgets*`` script
    entries, removed here once every page is read.
    """
    for data in getattr(env, "nb_metadata", {}).values():
        scripts = data.get("js_files", {})
        for key in [k for k in scripts if k.startswith("ipywidgets")]:
            del scripts[key]


def setup(app: Any) -> dict:
    app.add_config_value("course_repository", "lstm-explained/lstm-explained", "html")
    app.add_config_value("course_branch", "main", "html")
    app.add_config_value("course_binderhub", "https://mybinder.org", "html")
    app.add_config_value("course_jupyterhub", "", "html")
    app.connect("config-inited", _on_config_inited)
    app.connect("source-read", _on_source_read)
    app.connect("doctree-read", _on_doctree_read)
    app.connect("env-updated", _drop_widget_state)
    app.connect("html-page-context", _on_page_context)
    app.connect("build-finished", _on_build_finished)
    app.connect("autodoc-process-docstring", _on_docstring)
    return {"version": "2", "parallel_read_safe": True, "parallel_write_safe": True}
