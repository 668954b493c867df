"""Sphinx configuration of the lstm-explained course site.

Build (from the repository root)::

    python3 -m sphinx -E -W --keep-going docs docs/_build/html

What happens on a build (see ``docs/_ext/course.py``):

* ``docs/tutorials`` is linked to ``../tutorials`` (a generated, gitignored symbolic
  link), and myst-nb reads and executes the MyST notebooks ``tutorials/NN_name.md`` as
  they are (``-E`` forces a fresh execution of every notebook); each page gets a box under
  its title with launch links and the executed notebook as an ``.ipynb`` download;
* each tutorial ends with its own kernel-free inspector, a cell of the notebook;
* the API pages document the modules that exist; a module that has not landed yet gets
  a short note instead of an autodoc error;
* MathJax and the ipywidgets JavaScript are served from ``_static`` (vendored, see
  ``_static/VENDOR.md``): the built site makes no request to any other host.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS / "_ext"))

# TensorFlow is not quietened here: each tutorial does it in its first cell, and the
# tests build the site with kernels whose environment does not, to check that it does
# (nb_output_stderr below keeps anything else off the pages). Figures show inline.
os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")

import lstm_explained  # noqa: E402

# -- Where a class launches the tutorials ------------------------------------------------
# The one place to change for a fork or a course: the GitHub "org/repo" and branch the
# Binder links point at, and (optionally) the class JupyterHub nbgitpuller links use.
course_repository = os.environ.get("LSTM_EXPLAINED_REPOSITORY", "lstm-explained/lstm-explained")
course_branch = os.environ.get("LSTM_EXPLAINED_BRANCH", "main")
course_binderhub = "https://mybinder.org"
course_jupyterhub = os.environ.get("LSTM_EXPLAINED_JUPYTERHUB", "")  # e.g. https://hub.uni.edu

# -- Project -----------------------------------------------------------------------------
project = "lstm-explained"
author = "lstm-explained developers"
copyright = "lstm-explained developers, MIT license"  # noqa: A001
release = lstm_explained.__version__
version = release

extensions = [
    "myst_nb",
    "sphinx_design",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "course",
    "hostile_table",
]

exclude_patterns = [
    "_build",
    "Thumbs.db",
    ".DS_Store",
    "**.ipynb_checkpoints",
    "_static/**",
    "_ext/**",
    "images/**",
    # docs/tutorials links to ../tutorials: only its NN_name.md notebooks are pages.
    "tutorials/[!0-9]*",
    "tutorials/*/**",
    "tutorials/*.ipynb",
]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb", ".rst": "restructuredtext"}
root_doc = "index"

# -- MyST / myst-nb ----------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

nb_execution_mode = "force"  # every build executes the tutorials (with -E, see above)
nb_execution_raise_on_error = True  # a failing tutorial fails the build
nb_execution_timeout = 300  # seconds per cell
nb_execution_show_tb = True
nb_output_stderr = "remove"  # TensorFlow/absl noise stays off the site
nb_merge_streams = True
# Markdown a cell displays (the computed sentences of say()) is MyST too: its $...$ is maths.
nb_render_markdown_format = "myst"
nb_kernel_rgx_aliases = {".*": "python3"}
# The widget JavaScript, served locally (no require.js, no CDN): see _static/VENDOR.md.
nb_ipywidgets_js = {"ipywidgets/embed.js": {}}
# An output with both a widget view and HTML shows the HTML: GateInspector's text/html is
# the kernel-free inspector (lstm_explained.widgets), live on the site where the widget
# view would be a dead snapshot (myst-nb: a lower number wins; the widget view is 10).
nb_mime_priority_overrides = [("html", "text/html", 5), ("dirhtml", "text/html", 5)]

# -- autodoc / napoleon ------------------------------------------------------------------
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_format = "short"
autodoc_mock_imports: list[str] = []
napoleon_google_docstring = True  # a few docstrings use "Args:"
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_use_ivar = True
# Type names in numpy docstrings ("array of shape (n, t)") are prose, not references.
nitpicky = False
suppress_warnings = ["myst.header"]
# Quotes stay as typed: the site shows code, inputs and payloads ('Date', "$x^$") where a
# curly quote would be a different character from the one a reader types.
smartquotes = False

# -- HTML --------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "lstm-explained: inside a Keras LSTM"
html_logo = None
html_favicon = "_static/favicon.svg"
html_static_path = ["_static"]
html_css_files = ["course.css"]
# Loaded before everything else: FontAwesome (loaded by the theme) must nest, not replace,
# the widgets' <i> icons, otherwise the ipywidgets Play button breaks; and the widgets'
# MathJax 2 call (MathJax.Hub.Queue) needs a stand-in on MathJax 3.
html_js_files = [("fa-config.js", {"priority": 1}), ("widgets-mathjax3.js", {"priority": 1})]
html_last_updated_fmt = None
html_show_sourcelink = False
# The sources are offered by the theme's download button (a tutorial's .md as it is;
# course.py adds the executed .ipynb beside it).
html_copy_source = True
html_sourcelink_suffix = ""
# A light page by default (matplotlib figures are drawn on white); readers can switch.
# (Also avoids the theme's console error "Got invalid theme mode" on first visits.)
html_context = {"default_mode": "light"}
html_theme_options = {
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "use_source_button": False,
    "use_issues_button": False,
    "use_edit_page_button": False,
    # No launch buttons from the theme: course.py writes the tutorials' launch links (to
    # tutorials/NN_name.md in the repository) and the .ipynb download under each title.
    "launch_buttons": {},
    "navigation_with_keys": False,
    "show_toc_level": 2,
}

# MathJax 3 from _static (never a CDN).
mathjax_path = "mathjax/tex-chtml.js"


# -- Numbers quoted from the tutorials ---------------------------------------------------
# The instructor guide quotes what the tutorials computed: {glue:text}`tutorials/NN_name.md
# ::key:format` (myst-nb's cross-document glue). Sphinx follows the docs/tutorials link to
# ../tutorials, so myst-nb names the tutorial by its real path, outside docs/; it keeps
# the tutorial's glue cache under its docname. The hook below names it by its docname.
def _glue_through_the_tutorials_link(app, doctree):
    from myst_nb.ext.glue.utils import PendingGlueReference

    real = (ROOT / "tutorials").resolve()
    for node in doctree.findall(PendingGlueReference):
        path = Path(node["refdoc"])
        if path.is_absolute() and path.parent == real:
            node["refdoc"] = f"tutorials/{path.name}"


def setup(app):
    app.connect("doctree-read", _glue_through_the_tutorials_link)
