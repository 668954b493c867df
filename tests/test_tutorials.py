"""The tutorials: MyST Markdown notebooks that read as text, run, and stay quiet.

* Static checks (fast): every ``tutorials/NN_name.md`` is a jupytext MyST notebook with
  the ``python3`` kernel, stored exactly as jupytext (and so JupyterLab) writes it, with
  code cells that pass ruff and prose that types no computed number; each exercise is
  followed by its solution, a hidden code cell that runs it; the inspector is a cell of
  its own; no ``.ipynb`` is committed, and no count of tutorials is typed anywhere.
* Execution (slow): each tutorial is executed ONCE in the whole suite, by the docs build
  (the session fixture ``site_build`` of ``conftest.py``), in kernels whose environment
  does not quieten TensorFlow. The checks read the notebooks it executed and its log: no
  error, no TensorFlow / absl / oneDNN log line in any output nor in the kernels' stderr,
  exercises waiting for an answer and every solution's check saying ✓, nothing written
  beside the tutorials, no temporary folder left behind.
* One variant (slow): a tutorial with the ``RETRAIN`` flag runs once more, with
  ``RETRAIN = True`` (the seed's one-epoch recipe): every computed sentence and every
  solution's check must still hold for the weaker model it trains.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
TUTORIALS = ROOT / "tutorials"
PATHS = sorted(TUTORIALS.glob("[0-9][0-9]_*.md"))
CELL_TIMEOUT = 300  # seconds per cell; the whole notebook aims at <= 60 s (benchmarks/)

#: Lines TensorFlow, absl, oneDNN or XLA write when they are not silenced.
NOISE = re.compile(
    r"WARNING|absl::|oneDNN|onednn|TF_ENABLE_ONEDNN_OPTS|tensorflow/core|cuda|"
    r"^[IWEF]\d{4} \d\d:\d\d|This TensorFlow binary is optimized|rebuild TensorFlow|"
    r"XLA service|StreamExecutor|computation placer|oneDNN custom operations|"
    r"\w+Warning: ",
    re.MULTILINE,
)
#: What TensorFlow alone prints (a kernel's stderr reaches the docs build's log; the
#: kernels' own "[IPKernelApp] WARNING" lines are not TensorFlow's).
TF_LOG = re.compile(
    r"absl::|oneDNN|onednn|TF_ENABLE_ONEDNN_OPTS|tensorflow/core|cpu_feature_guard|"
    r"^[IWEF]\d{4} \d\d:\d\d|This TensorFlow binary is optimized|rebuild TensorFlow|"
    r"XLA service|StreamExecutor|computation placer",
    re.MULTILINE,
)
#: A typed count of tutorials or notebooks ("four notebooks", "The four [tutorials](...)",
#: "executes all four, ...").
COUNT = r"(?:two|three|four|five|six|seven|eight|nine|ten|\d+)"
SPACE = r"(?:[ \t]+\n?|\n)[ \t]*"  # within a paragraph: one line break at most
TYPED_COUNT = re.compile(
    rf"\b{COUNT}{SPACE}[\[*_]*(?:[\w-]+{SPACE}[\[*_]*)?(?:tutorials|notebooks)\b"
    rf"|\ball{SPACE}{COUNT}(?=\s*[,.;:)])",
    re.IGNORECASE,
)
#: Where the tutorials are described to people.
PROSE = ["README.md", "tutorials/README.md", "binder/README.md", "docs/*.md", "docs/conf.py",
         "docs/_ext/*.py"]


def _read(path: Path) -> nbformat.NotebookNode:
    return jupytext.read(path, fmt="md:myst")


def _tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])


def _texts(cell) -> list[str]:
    out = []
    for o in cell.get("outputs", []):
        if o.output_type == "stream":
            out.append(o.text)
        elif o.output_type == "error":
            out.append("\n".join(o.traceback))
        else:
            for mime, value in o.get("data", {}).items():
                if mime.startswith("text/") and mime != "text/html":
                    out.append(value if isinstance(value, str) else "".join(value))
    return out


# -- the files ---------------------------------------------------------------------------


def test_there_are_tutorials():
    assert PATHS, "no tutorials/NN_name.md"
    numbers = [p.name[:2] for p in PATHS]
    assert len(set(numbers)) == len(numbers), f"two tutorials share a number: {numbers}"


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_is_a_myst_notebook_with_a_kernelspec(path):
    nb = _read(path)
    nbformat.validate(nb)
    representation = nb.metadata["jupytext"]["text_representation"]
    assert representation["format_name"] == "myst" and representation["extension"] == ".md"
    kernel = nb.metadata.kernelspec  # as JupyterLab saves it (display_name: the kernel's)
    assert kernel["name"] == "python3" and kernel["language"] == "python"
    assert kernel["display_name"].startswith("Python 3")
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    assert re.fullmatch(r"\d\d_[a-z0-9_]+", path.stem), "name tutorials NN_lower_case.md"


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_stored_as_jupyterlab_saves_it(path):
    """The file is what jupytext writes for its own notebook, so that saving it from
    JupyterLab changes nothing, and a changed cell changes only its own lines."""
    text = path.read_text(encoding="utf-8")
    saved = jupytext.writes(jupytext.reads(text, fmt="md:myst"), fmt="md:myst")
    version = re.compile(r"^    jupytext_version: .*$", re.MULTILINE)  # the writer's own
    assert version.sub("", saved) == version.sub("", text), (
        f"{path.name} is not in the form JupyterLab saves: open and save it there, or "
        f"`jupytext --to myst {path.relative_to(ROOT)}`"
    )


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_no_numbers_typed_in_prose_of_results(path):
    """Markdown cells state no computed results: numbers come from cells that print them."""
    for k, cell in enumerate(_read(path).cells):
        if cell.cell_type != "markdown":
            continue
        text = re.sub(r"```.*?```|`[^`]*`", "", cell.source, flags=re.S)  # code
        text = re.sub(r"\$\$.*?\$\$|\$[^$]*\$", "", text, flags=re.S)  # formulas
        # decimals such as 0.93 or 12.5% are results; small integers (steps, sizes) are not
        found = re.findall(r"(?<![\w.\[])\d+\.\d+(?![\w.])|\d+(?:\.\d+)?\s?%", text)
        assert not found, f"{path.name} cell {k}: typed results {found}; compute them"


def test_code_cells_pass_ruff(tmp_path):
    """ruff checks the code cells as a notebook (its notebook rules: a cell's last
    expression is shown, imports at the top of a cell), with the project's settings."""
    names = {}
    for path in PATHS:
        copy = tmp_path / f"{path.stem}.ipynb"
        jupytext.write(_read(path), copy)
        names[copy.name] = path.relative_to(ROOT).as_posix()
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise",
         "--config", str(ROOT / "pyproject.toml"), *sorted(names)],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )
    report = proc.stdout + proc.stderr
    for copy, original in names.items():
        report = report.replace(copy, original)
    assert proc.returncode == 0, report


#: The metadata of a solution cell: hidden in JupyterLab (source and outputs collapsed) and
#: on the site (myst-nb's ``hide-cell``: a closed toggle labelled "Solution").
SOLUTION_METADATA = {
    "tags": ["solution", "hide-cell"],
    "jupyter": {"source_hidden": True, "outputs_hidden": True},
    "mystnb": {"code_prompt_show": "Solution", "code_prompt_hide": "Hide the solution"},
}


def _check_call(source: str) -> str:
    """The ``lx.exercises.check("id", answer, ...)`` call of a cell, from ``check(``."""
    match = re.search(r"lx\.exercises\.check\(\s*\"[^\"]+\",\s*answer\b.*", source, re.S)
    assert match, f"no lx.exercises.check(\"...\", answer, ...) in:\n{source}"
    return match.group(0)


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_exercises_are_followed_by_a_hidden_solution_that_runs(path):
    """An exercise cell (tag ``exercise``, a line ``answer = None``) is followed by its
    solution: a code cell, folded away in JupyterLab and on the site, that computes the
    answer and makes the very same check (so the build runs every solution once)."""
    cells = _read(path).cells
    for k, cell in enumerate(cells):
        if "exercise" not in _tags(cell):
            continue
        assert cell.cell_type == "code"
        assert any(line.startswith("answer = None") for line in cell.source.splitlines())
        solution = cells[k + 1]
        assert solution.cell_type == "code", f"{path.name}: cell {k + 1} is not a solution"
        assert {key: solution.metadata.get(key) for key in SOLUTION_METADATA} == SOLUTION_METADATA
        assert re.search(r"^answer = (?!None)", solution.source, re.M), solution.source
        assert _check_call(solution.source) == _check_call(cell.source)
    assert sum("solution" in _tags(c) for c in cells) == sum("exercise" in _tags(c) for c in cells)
    assert not any("<details" in c.source for c in cells), "hand-made HTML"


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_the_inspector_is_a_cell_of_the_tutorial(path):
    """One code cell shows the kernel-free inspector of the tutorial's trace; on the site
    only its output shows."""
    cells = [c for c in _read(path).cells if "static_inspector(" in c.source]
    assert len(cells) == 1, f"{path.name}: {len(cells)} inspector cells"
    assert cells[0].cell_type == "code" and "remove-input" in _tags(cells[0])


@pytest.mark.parametrize("stem", ["02_sine_wave", "03_sp500"])
def test_one_flag_retrains(stem):
    nb = _read(TUTORIALS / f"{stem}.md")
    flags = [c for c in nb.cells if c.cell_type == "code" and "\nRETRAIN = False" in c.source]
    assert len(flags) == 1 and flags[0] is nb.cells[1], "RETRAIN = False, once, in the first cell"
    assert '\nRECIPE = "shipped"' in flags[0].source


def _git(*args: str) -> subprocess.CompletedProcess | None:
    if not (ROOT / ".git").exists():
        return None
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                          check=False)


def test_no_notebook_file_is_committed():
    """The .md files are the one source: an .ipynb made from one is ignored by git."""
    tracked = _git("ls-files", "tutorials")
    if tracked is None:
        pytest.skip("not a git checkout")
    assert not [n for n in tracked.stdout.split() if n.endswith(".ipynb")]
    ignored = _git("check-ignore", "-q", "tutorials/01_made_by_jupytext.ipynb")
    assert ignored.returncode == 0, "tutorials/*.ipynb is not in .gitignore"


def test_no_count_of_tutorials_is_typed():
    """The tutorials are listed from the files: no prose says how many there are."""
    found = []
    for pattern in PROSE:
        for path in sorted(ROOT.glob(pattern)):
            text = path.read_text(encoding="utf-8")
            found += [f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1}: "
                      f"{m.group(0)!r}" for m in TYPED_COUNT.finditer(text)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("text", ["Four notebooks", "the 4 tutorials", "10 tutorials",
                                  "five executed\n  notebooks", "The four [tutorials](x.md)",
                                  "which executes all\n  four, takes"])
def test_a_typed_count_is_recognised(text):
    assert TYPED_COUNT.search(text)


@pytest.mark.parametrize("text", ["all four pre-activations", "two cores", "01 to 03 end",
                                  "Four gates", ":maxdepth: 2\n\ninstall\ntutorials"])
def test_other_numbers_are_not_taken_for_a_count(text):
    assert not TYPED_COUNT.search(text)


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_at_least_two_checked_questions_ask_for_a_prediction_or_a_design(path):
    """Issue 13: every tutorial asks at least two questions that test understanding (a
    prediction or a design choice, kind "concept"), each in a cell that checks the answer
    with the package (the checkers' hints are tested in tests/test_exercises_*.py)."""
    import lstm_explained.exercises as ex

    stem = path.stem[:2]
    checked = set(re.findall(r'check\(\s*"(\d\d\.\w+)"', path.read_text(encoding="utf-8")))
    concepts = {i for i in ex.exercises(kind="concept") if i.startswith(f"{stem}.")}
    assert len(checked & concepts) >= 2, (
        f"{path.name} checks {sorted(checked & concepts)} of its prediction/design questions "
        f"{sorted(concepts)}; it needs two at least")


def test_the_examples_of_the_exercises_run():
    """The example in ``lstm_explained.exercises``' docstring, and the one in
    ``tutorials/README.md``, run (the docstring's shows what it says)."""
    import doctest

    import lstm_explained.exercises as ex

    result = doctest.testmod(ex, optionflags=doctest.ELLIPSIS)
    assert result.attempted and not result.failed
    readme = (TUTORIALS / "README.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"```python\n(.*?)```", readme, re.S)
    namespace: dict = {}
    exec(compile(example, "tutorials/README.md", "exec"), namespace)  # noqa: S102


def test_readme_lists_every_tutorial():
    readme = (TUTORIALS / "README.md").read_text(encoding="utf-8")
    assert [p.name for p in PATHS if f"`{p.name}`" not in readme] == []


def _course():
    import importlib.util

    spec = importlib.util.spec_from_file_location("course_under_test",
                                                  ROOT / "docs" / "_ext" / "course.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_site_reads_the_tutorials_through_a_link(tmp_path):
    """docs/tutorials is made a link to ../tutorials (no copy): an earlier build's copy is
    replaced, anything else is left alone with an error."""
    course = _course()
    docs = tmp_path / "docs"
    (tmp_path / "tutorials").mkdir()
    (tmp_path / "tutorials" / "01_a.md").write_text("# A\n")
    old = docs / "tutorials"
    old.mkdir(parents=True)
    (old / course.GENERATED_MARKER).write_text("")
    link = course.link_tutorials(docs)
    assert link.is_symlink() and (link / "01_a.md").read_text() == "# A\n"
    assert course.link_tutorials(docs) == link  # again: nothing to do
    link.unlink()
    link.mkdir()
    (link / "mine.md").write_text("keep")
    with pytest.raises(RuntimeError, match="not made by the docs build"):
        course.link_tutorials(docs)
    assert (link / "mine.md").read_text() == "keep"
    assert [course.is_tutorial(d) for d in ("tutorials/01_a", "tutorials", "api/cell")] == [
        True, False, False]


# -- the run of the docs build -------------------------------------------------------------


def _executed(site_build, path: Path) -> nbformat.NotebookNode:
    executed = site_build.executed / "tutorials" / f"{path.stem}.ipynb"
    assert executed.exists(), f"the docs build did not execute {path.name}"
    return nbformat.reads(executed.read_text(encoding="utf-8"), as_version=4)


@pytest.mark.slow
@pytest.mark.docs
@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_tutorial_runs_without_error_and_quietly(site_build, path):
    nb = _executed(site_build, path)
    assert len(nb.cells) == len(_read(path).cells)
    for k, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        assert cell.execution_count is not None, f"{path.name} cell {k} did not run"
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"{path.name} cell {k}: {errors[0].ename}: {errors[0].evalue}"
        for text in _texts(cell):
            noise = NOISE.search(text)
            assert not noise, f"{path.name} cell {k}: log noise {noise.group(0)!r}"


@pytest.mark.slow
@pytest.mark.docs
@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_exercises_wait_for_an_answer(site_build, path):
    exercises = [c for c in _executed(site_build, path).cells if "exercise" in _tags(c)]
    assert exercises, f"{path.name} has no exercises"
    for cell in exercises:
        shown = "".join(_texts(cell))
        assert "no answer yet" in shown, f"{path.name}: {shown}"


@pytest.mark.slow
@pytest.mark.docs
def test_no_kernel_printed_tensorflow_noise(site_build):
    """The kernels' stderr, as the build printed it: a log line that reached it after its
    cell had finished is missing from the notebook's outputs, but not from here."""
    noise = sorted({m.group(0) for m in TF_LOG.finditer(site_build.log)})
    assert not noise, f"TensorFlow log lines from a tutorial's kernel: {noise}"


@pytest.mark.slow
@pytest.mark.docs
def test_tutorials_write_nothing_beside_themselves(site_build):
    """The tutorials ran in tutorials/ (as in JupyterLab): they changed no file there and
    added none."""
    before, after = site_build.tutorials_before, site_build.tutorials_after
    changed = sorted(n for n in before.keys() | after.keys() if before.get(n) != after.get(n))
    assert not changed, f"the tutorials changed or added in tutorials/: {changed}"


@pytest.mark.slow
@pytest.mark.docs
def test_tutorials_leave_no_temporary_folder(site_build):
    left = sorted(p.name for p in site_build.tmpdir.glob("lstm-explained-*"))
    assert not left, f"temporary folders left behind: {left}"


@pytest.mark.slow
@pytest.mark.docs
@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_every_solution_gets_a_tick(site_build, path):
    """The build ran each solution after its exercise: every one's check says ✓, while the
    exercise itself still waits for an answer (test_exercises_wait_for_an_answer)."""
    solutions = [c for c in _executed(site_build, path).cells if "solution" in _tags(c)]
    verdicts = ["".join(_texts(c)) for c in solutions]
    assert verdicts and all(v.startswith("✓") for v in verdicts), f"{path.name}: {verdicts}"


# -- the variant: the RETRAIN flag ------------------------------------------------------------


def _retraining(path: Path) -> nbformat.NotebookNode:
    """The tutorial with ``RETRAIN = True`` and the seed's recipe, without the inspector
    cell (the docs build makes and checks it)."""
    nb = _read(path)
    nb.cells = [c for c in nb.cells if "static_inspector(" not in c.source]
    flags = nb.cells[1]
    flags.source = flags.source.replace("\nRETRAIN = False", "\nRETRAIN = True")
    flags.source = flags.source.replace('\nRECIPE = "shipped"', '\nRECIPE = "seed"')
    return nb


@pytest.mark.slow
@pytest.mark.parametrize("path", [p for p in PATHS if "\nRETRAIN = False" in p.read_text()],
                         ids=lambda p: p.stem)
def test_one_flag_retrains_and_every_sentence_and_solution_still_holds(path, tmp_path,
                                                                       kernel_env):
    """With ``RETRAIN = True`` the notebook trains the model itself, quietly, and every
    computed sentence and every solution's check still holds for the (much weaker) model it
    gets. The seed's recipe (one epoch) keeps it short; the shipped recipe only changes the
    two numbers handed to ``lx.model.train``."""
    from nbclient import NotebookClient

    nb = _retraining(path)
    client = NotebookClient(nb, kernel_name="python3", timeout=CELL_TIMEOUT,
                            resources={"metadata": {"path": str(tmp_path)}})
    stderr = tmp_path / "kernel-stderr.txt"
    with stderr.open("w") as kernel_stderr:
        client.execute(env=kernel_env, cwd=str(tmp_path), stderr=kernel_stderr)

    texts = [t for cell in nb.cells for t in _texts(cell)]
    for text in texts:
        noise = NOISE.search(text)
        assert not noise, f"{path.name}: log noise {noise.group(0)!r}"
    noise = TF_LOG.search(stderr.read_text())
    assert not noise, f"{path.name}: TensorFlow log line {noise.group(0)!r} from the kernel"
    assert any("trained here: 1 epoch(s) at batch size 512" in t for t in texts), (
        "RETRAIN = True with RECIPE = 'seed' did not train the seed's recipe"
    )
    verdicts = ["".join(_texts(c)) for c in nb.cells if "solution" in _tags(c)]
    assert verdicts and all(v.startswith("✓") for v in verdicts), verdicts
