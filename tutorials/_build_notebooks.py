"""Write the tutorial notebooks: this script is their source of truth.

Edit the cells here, then run (from the repository root)::

    .venv/bin/python tutorials/_build_notebooks.py            # rewrite tutorials/*.ipynb
    .venv/bin/python tutorials/_build_notebooks.py --check    # exit 1 if a notebook is stale

The notebooks are written without outputs and with deterministic cell ids, so a rebuild
of unchanged cells gives byte-identical files (``tests/test_tutorials.py`` checks that the
committed notebooks match this script). Prose that states a number is never typed here:
the notebook computes it and prints it with ``say(...)`` (Markdown from an f-string).
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
LANGUAGE_INFO = {"name": "python"}

#: Metadata that hides a cell's source (drawing code) in JupyterLab and on the site.
HIDDEN = {"jupyter": {"source_hidden": True}, "tags": ["hide-input"]}

SETUP = '''\
import os

# Keep TensorFlow's start-up log lines out of the notebook (before anything imports it).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import lstm_explained as lx
import lstm_explained.exercises  # noqa: F401  (makes lx.exercises available)
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML, Markdown, display

GATE_COLORS, SYMBOLS = lx.gates.COLORS, lx.gates.SYMBOLS


def say(text):
    """Show a sentence whose numbers were computed in this notebook."""
    display(Markdown(text))
'''


#: The first cell of 02 and 03 ends with these: one flag retrains.
RETRAIN_FLAGS = """
RETRAIN = False     # True: train the model here instead of loading the pretrained one
RECIPE = "shipped"  # with RETRAIN: "shipped" (how the pretrained model was trained) or
                    # "seed" (the seed notebook's settings: one epoch at batch size 512)
"""


class Notebook:
    """Collects the cells of one notebook."""

    def __init__(self, stem: str) -> None:
        self.stem = stem
        self.cells: list = []

    def _id(self) -> str:
        return f"{self.stem[:2]}-{len(self.cells):03d}"

    def md(self, text: str) -> None:
        cell = nbformat.v4.new_markdown_cell(textwrap.dedent(text).strip("\n"))
        cell.id = self._id()
        self.cells.append(cell)

    def code(self, text: str, hidden: bool = False) -> None:
        cell = nbformat.v4.new_code_cell(textwrap.dedent(text).strip("\n"))
        cell.id = self._id()
        if hidden:
            cell.metadata.update(HIDDEN)
        self.cells.append(cell)

    def notebook(self) -> nbformat.NotebookNode:
        nb = nbformat.v4.new_notebook()
        nb.cells = self.cells
        nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)}
        return nb


def _exercise(nb: Notebook, number: int, title: str, text: str, code: str, solution: str) -> None:
    """An exercise: question, a cell with ``answer = None`` and the check, a hidden solution.

    The check cell is tagged ``exercise`` and the solution cell ``solution``: the tests run
    each exercise once more with the solution's code in place of ``answer = None``.
    """
    code = textwrap.dedent(code).strip("\n")
    if not any(line.startswith("answer = None") for line in code.splitlines()):
        raise ValueError(f"exercise {number}: the cell must have a line 'answer = None ...'")
    nb.md(f"### Exercise {number}: {title}\n\n" + textwrap.dedent(text).strip("\n"))
    nb.code(code)
    nb.cells[-1].metadata["tags"] = ["exercise"]
    nb.md(
        "<details><summary>Solution</summary>\n\n```python\n"
        + textwrap.dedent(solution).strip("\n")
        + "\n```\n\n</details>"
    )
    nb.cells[-1].metadata["tags"] = ["solution"]


# =========================================================================================
# 01: one LSTM cell, gate by gate
# =========================================================================================
def nb01() -> Notebook:
    nb = Notebook("01_lstm_cell")
    nb.md(r"""
    # 01 · One LSTM cell, gate by gate

    An LSTM reads a sequence one step at a time and carries two things from step to step:
    the **cell state** $C_t$, its memory, and the **hidden state** $h_t$, what it shows.
    This notebook opens one cell, following Chris Olah's *Understanding LSTM Networks*:

    1. the conveyor belt and the three gates that guard it;
    2. the few lines of numpy that compute one step (the same code the package uses to
       pull the gates out of trained Keras models);
    3. a one-unit cell with hand-set weights that remembers the gender of a sentence's
       subject, Olah's own example, whose gates you can predict before running it;
    4. the proof that Keras computes exactly the same thing with the same weights;
    5. three exercises, checked by the package.
    """)
    nb.code(SETUP)

    nb.md(r"""
    ## The conveyor belt

    The key to LSTMs is the cell state, the horizontal line running through the top of the
    diagram. It is like a **conveyor belt** that runs down the entire chain of steps: the
    LSTM can remove information from it or add information to it, and it does so only
    through structures called **gates**.

    A gate is a sigmoid layer followed by a pointwise multiplication. The sigmoid outputs
    numbers between zero and one that say how much of each component to let through:
    0 means "let nothing through", 1 means "let everything through". An LSTM has three of
    them, to protect and control the belt:

    * the **forget gate** $f_t$ decides what to keep of the old belt $C_{t-1}$;
    * the **input gate** $i_t$ decides how much of the **candidate** $\tilde{C}_t$
      (new values, squashed to −1..1 by tanh) to write onto it;
    * the **output gate** $o_t$ decides how much of the (squashed) belt to show as $h_t$.
    """)
    nb.code('''
    from matplotlib.patches import Circle, FancyBboxPatch


    def draw_cell():
        """Olah's LSTM cell as a schematic, in the package's gate colours."""
        fig, ax = plt.subplots(figsize=(9, 4.2))
        C, S = GATE_COLORS, SYMBOLS

        def arrow(x0, y0, x1, y1, color="#555555", lw=1.6):
            ax.annotate("", (x1, y1), (x0, y0), arrowprops=dict(
                arrowstyle="-|>", color=color, lw=lw, shrinkA=0, shrinkB=0))

        def op(x, y, sym, color):
            ax.add_patch(Circle((x, y), 0.22, fc="white", ec=color, lw=2, zorder=3))
            ax.text(x, y, sym, ha="center", va="center", fontsize=13, zorder=4, color=color)

        def box(x, y, label, gate):
            ax.add_patch(FancyBboxPatch((x - 0.38, y - 0.25), 0.76, 0.5, zorder=3,
                                        boxstyle="round,pad=0.05", fc=C[gate], ec="none"))
            ax.text(x, y, label, ha="center", va="center", color="white", fontsize=11,
                    fontweight="bold", zorder=4)
            ax.text(x - 0.45, y + 0.05, S[gate], ha="right", va="center", fontsize=12,
                    color=C[gate])

        ax.plot([0.2, 9.8], [3.2, 3.2], color=C["cell"], lw=5, solid_capstyle="round")
        arrow(9.3, 3.2, 9.9, 3.2, C["cell"], 3)
        ax.text(0.1, 3.5, r"$C_{t-1}$", fontsize=13, color=C["cell"])
        ax.text(9.4, 3.5, r"$C_t$", fontsize=13, color=C["cell"])
        ax.text(5.0, 3.75, "the conveyor belt (cell state)", ha="center", color=C["cell"])
        ax.plot([0.2, 7.6], [0.2, 0.2], color="#555555", lw=1.6)
        ax.text(0.1, -0.25, r"$h_{t-1}$", fontsize=12)
        arrow(1.0, -0.6, 1.0, 0.2)
        ax.text(1.15, -0.55, r"$x_t$", fontsize=12)
        for x, label, gate in [(2.2, "σ", "forget"), (3.6, "σ", "input"),
                               (5.0, "tanh", "candidate"), (7.6, "σ", "output")]:
            arrow(x, 0.2, x, 1.0)
            box(x, 1.25, label, gate)
        arrow(2.2, 1.5, 2.2, 2.98, C["forget"])
        op(2.2, 3.2, "×", C["forget"])
        op(4.3, 2.3, "×", C["input"])
        ax.plot([3.6, 3.6, 4.08], [1.5, 2.3, 2.3], color=C["input"], lw=1.6)
        ax.plot([5.0, 5.0, 4.52], [1.5, 2.3, 2.3], color=C["candidate"], lw=1.6)
        arrow(4.3, 2.52, 4.3, 2.98, C["input"])
        op(4.3, 3.2, "+", C["input"])
        ax.plot([8.6, 8.6], [3.2, 2.9], color=C["cell"], lw=1.6)
        ax.add_patch(FancyBboxPatch((8.25, 2.35), 0.7, 0.4, boxstyle="round,pad=0.04",
                                    fc="white", ec=C["cell"], lw=1.6, zorder=3))
        ax.text(8.6, 2.55, "tanh", ha="center", va="center", color=C["cell"], zorder=4)
        op(8.6, 1.25, "×", C["output"])
        arrow(8.6, 2.33, 8.6, 1.47, C["cell"])
        ax.plot([7.98, 8.38], [1.25, 1.25], color=C["output"], lw=1.6)
        ax.plot([8.6, 8.6, 9.8], [1.03, 0.2, 0.2], color=C["hidden"], lw=2)
        arrow(9.3, 0.2, 9.9, 0.2, C["hidden"], 2)
        ax.text(9.5, -0.25, r"$h_t$", fontsize=13)
        ax.set_xlim(-0.2, 10.2)
        ax.set_ylim(-0.9, 4.1)
        ax.set_aspect("equal")
        ax.axis("off")
        return fig


    draw_cell();
    ''', hidden=True)
    nb.md("""
    The package names every part the same way everywhere (code, plots, widgets, the site),
    with Olah's symbols and one colour each, from `lx.gates`:
    """)
    nb.code('''
    rows = "".join(
        f"<tr><td><span style='display:inline-block;width:1.2em;height:1.2em;"
        f"background:{GATE_COLORS[q]}'></span></td><td><code>{q}</code></td>"
        f"<td>{lx.gates.TEXT_SYMBOLS[q]}</td><td>{lx.gates.ROLES[q]}</td></tr>"
        for q in lx.gates.QUANTITIES
    )
    display(HTML(f"<table><tr><th></th><th>name</th><th>symbol</th><th>role</th></tr>{rows}</table>"))
    ''')

    nb.md(r"""
    ## One step, in equations and in code

    Each gate looks at the new input $x_t$ and at what the cell showed one step earlier,
    $h_{t-1}$, through its own weights $W$ (for $x_t$), $U$ (for $h_{t-1}$) and bias $b$:

    $$
    \begin{aligned}
    f_t &= \sigma(W_f x_t + U_f h_{t-1} + b_f) &&\text{forget gate}\\
    i_t &= \sigma(W_i x_t + U_i h_{t-1} + b_i) &&\text{input gate}\\
    \tilde{C}_t &= \tanh(W_c x_t + U_c h_{t-1} + b_c) &&\text{candidate}\\
    o_t &= \sigma(W_o x_t + U_o h_{t-1} + b_o) &&\text{output gate}\\
    C_t &= f_t \odot C_{t-1} + i_t \odot \tilde{C}_t &&\text{the belt moves on}\\
    h_t &= o_t \odot \tanh(C_t) &&\text{what the cell shows}
    \end{aligned}
    $$

    Keras stores the weights of all four in three arrays: `kernel` holds every $W$,
    `recurrent_kernel` every $U$, `bias` every $b$, each cut into four blocks of `units`
    columns **in the order i, f, c, o** (input, forget, candidate, output; not the order of
    Olah's walk). This is the package's code for one step, `lx.cell.lstm_step`, read from
    its source:
    """)
    nb.code('''
    import inspect

    display(Markdown("```python\\n" + inspect.getsource(lx.cell.lstm_step) + "```"))
    ''')
    nb.md(r"""
    `x_proj_t` is $W x_t + b$, computed for all steps at once by `lx.cell.project_inputs`:
    that half of every gate does not depend on the recurrence. The loop only adds
    $U h_{t-1}$, squashes, and moves the belt.
    """)

    nb.md(r"""
    ## A cell you can predict: remembering the subject's gender

    Olah's example: in a language model, the cell state might carry the **gender of the
    present subject**, so that the right pronoun can be chosen later. When a new subject is
    seen, the old subject's gender should be forgotten and the new one written.

    We build exactly that with **one unit** and weights set by hand. Each word is described
    by three numbers (in a real model an embedding layer would learn such features):

    * `new_subject`: 1 at a name that becomes the subject, else 0;
    * `gender`: +1 for a feminine name, −1 for a masculine one, else 0;
    * `pronoun_next`: 1 where the next word is a pronoun, else 0.
    """)
    nb.code('''
    tokens = ["Alice", "went", "home", "and", "she", "slept", ".",
              "Then", "Bob", "called", "and", "he", "laughed"]
    subjects = {"Alice": +1.0, "Bob": -1.0}          # name -> gender
    pronouns = {"she", "he"}

    X = np.array([
        [1.0 if w in subjects else 0.0,                # new_subject
         subjects.get(w, 0.0),                         # gender
         1.0 if t + 1 < len(tokens) and tokens[t + 1] in pronouns else 0.0]  # pronoun_next
        for t, w in enumerate(tokens)
    ])
    features = ["new_subject", "gender", "pronoun_next"]
    head = "".join(f"<th>{w}</th>" for w in tokens)
    body = "".join(
        f"<tr><th>{name}</th>" + "".join(f"<td>{v:+.0f}</td>" for v in X[:, j]) + "</tr>"
        for j, name in enumerate(features)
    )
    display(HTML(f"<table><tr><th></th>{head}</tr>{body}</table>"))
    ''')
    nb.md(r"""
    Now the weights, in Keras' layout. One unit means each block is one column. `k` sets
    how decisive the gates are: a gate whose input is $+k$ is nearly open, $-k$ nearly
    closed. The recurrent weights are zero, so every gate looks at the current word only.
    """)
    nb.code('''
    k = 4.0
    #                    i        f       C~      o          <- Keras' block order
    kernel = np.array([[ 2 * k,  -2 * k,  0.0,    0.0  ],   # new_subject: write, don't keep
                       [ 0.0,     0.0,    2.0,    0.0  ],   # gender: the candidate, ±tanh(2)
                       [ 0.0,     0.0,    0.0,    2 * k]])  # pronoun_next: show the belt
    recurrent_kernel = np.zeros((1, 4))                     # no feedback from h_{t-1}
    bias = np.array([-k, +k, 0.0, -k])  # by default: write nothing, keep everything, show nothing

    weights = lx.cell.LSTMWeights(kernel, recurrent_kernel, bias)
    weights
    ''')
    nb.md(r"""
    **Predict before you run.** At which words will the forget gate $f_t$ be near 0? Where
    will the input gate $i_t$ be near 1? What will the belt $C_t$ hold after *Alice*, and
    after *Bob*? At which words will $h_t$ be far from zero?

    Now run the cell, one `lstm_step` per word, starting (as Keras does) from zero states:
    """)
    nb.code('''
    x_proj = lx.cell.project_inputs(X[None], weights)   # W x_t + b for every word: (1, T, 4)
    h, c = np.zeros((1, 1)), np.zeros((1, 1))
    steps = []
    for t, word in enumerate(tokens):
        c_prev = c
        f, i, c_tilde, o, c, h = lx.cell.lstm_step(x_proj[:, t], h, c, weights)
        steps.append(dict(word=word, forget=f.item(), input=i.item(), candidate=c_tilde.item(),
                          output=o.item(), previous=c_prev.item(), cell=c.item(), hidden=h.item()))

    cols = ["forget", "input", "candidate", "output", "cell", "hidden"]
    head = "".join(f"<th style='color:{GATE_COLORS[q]}'>{lx.gates.TEXT_SYMBOLS[q]}</th>"
                   for q in cols)
    body = "".join(f"<tr><th>{s['word']}</th>" + "".join(f"<td>{s[q]:+.3f}</td>" for q in cols)
                   + "</tr>" for s in steps)
    display(HTML(f"<table><tr><th>word</th>{head}</tr>{body}</table>"))
    ''')
    nb.code('''
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 5.5), sharex=True,
                                      height_ratios=[1.2, 1], layout="constrained")
    t = np.arange(len(tokens))
    for q, marker in zip(lx.gates.GATES, "osD^"):
        top.plot(t, [s[q] for s in steps], marker=marker, color=GATE_COLORS[q], label=SYMBOLS[q])
    top.set_ylabel("gate value")
    top.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
    top.set_title("the gates, word by word")
    bottom.axhline(0, color="#bbbbbb", lw=0.8)
    bottom.plot(t, [s["cell"] for s in steps], color=GATE_COLORS["cell"], lw=4,
                label=SYMBOLS["cell"] + " (the belt)")
    bottom.plot(t, [s["hidden"] for s in steps], color=GATE_COLORS["hidden"], marker="o",
                label=SYMBOLS["hidden"])
    bottom.set_ylim(-1.15, 1.15)
    bottom.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
    bottom.set_title("the belt and what the cell shows")
    bottom.set_xticks(t, tokens, rotation=30);
    ''')

    nb.md("""
    ### The forget gate: drop the old subject's gender

    > *The gender of the (old) present subject in the cell state should be forgotten once a
    > new subject is seen.*
    """)
    nb.code('''
    by_word = {s["word"]: s for s in steps}  # the last occurrence of each word
    bob, alice = by_word["Bob"], by_word["Alice"]
    start, stop = tokens.index("Alice"), tokens.index("Bob") - 1
    kept = steps[stop]["cell"] / steps[start]["cell"]
    say(f"At *Bob* the forget gate is $f_t$ = **{bob['forget']:.3f}**: of the belt's "
        f"{bob['previous']:+.3f} (Alice's gender) only {bob['forget'] * bob['previous']:+.4f} is "
        f"kept. At every other word it is {steps[1]['forget']:.3f}, close to 1 but not 1: from "
        f"*{tokens[start]}* to *{tokens[stop]}* the belt slowly leaked to {kept:.1%} of its "
        f"value. A bigger `k` makes the gates more decisive and the belt tighter.")
    ''')
    nb.md("""
    ### The input gate and the candidate: write the new gender

    > *Add the gender of the new subject to the cell state.*

    The candidate $\\tilde{C}_t$ proposes what could be written, the input gate $i_t$ decides
    how much of it is written.
    """)
    nb.code('''
    say(f"At *Bob* the candidate is $\\\\tilde{{C}}_t$ = **{bob['candidate']:+.3f}** and the input "
        f"gate $i_t$ = **{bob['input']:.3f}**, so {bob['input'] * bob['candidate']:+.3f} is "
        f"written: the belt becomes $C_t$ = {bob['cell']:+.3f}. At *Alice* it became "
        f"{alice['cell']:+.3f}. At words that are not names the input gate is "
        f"{steps[1]['input']:.3f}: almost nothing is written, whatever the candidate says.")
    ''')
    nb.md("""
    ### The output gate: show the gender when a pronoun is due

    > *It might output whether the subject is singular or plural, so that we know what form
    > a verb should be conjugated into if that's what follows next.*

    Here: the cell shows the gender only when a pronoun comes next. Everywhere else the belt
    carries it, hidden.
    """)
    nb.code('''
    shown = [(t, s) for t, s in enumerate(steps) if abs(s["hidden"]) > 0.5]
    say("The cell shows something ($|h_t|$ > 0.5) only at: " + ", ".join(
        f"*{s['word']}* before *{tokens[t + 1]}* ($o_t$ = {s['output']:.3f}, "
        f"$h_t$ = {s['hidden']:+.3f})" for t, s in shown) + f". Elsewhere $|h_t|$ stays below "
        f"{max(abs(s['hidden']) for s in steps if abs(s['hidden']) <= 0.5):.3f}.")
    ''')

    nb.md(r"""
    ## The same weights in Keras

    Keras never shows an LSTM's gates, only $h_t$. Give a Keras `LSTM(1)` layer our three
    arrays with `set_weights` and compare its $h_t$ with ours:
    """)
    nb.code('''
    import keras

    model = keras.Sequential([keras.Input(shape=(len(tokens), 3)),
                              keras.layers.LSTM(1, return_sequences=True, name="gender_cell")])
    layer = model.get_layer("gender_cell")
    layer.set_weights([kernel, recurrent_kernel, bias])

    h_keras = model.predict(X[None].astype("float32"), verbose=0)[0, :, 0]
    h_ours = np.array([s["hidden"] for s in steps])
    say(f"Largest difference between Keras' $h_t$ and ours over the {len(tokens)} words: "
        f"**{np.abs(h_keras - h_ours).max():.1e}** (Keras computes in float32).")
    ''')
    nb.md("""
    `lx.trace_gates` does this for any model: it reads each LSTM layer's weights, reruns the
    layer in the numpy cell to recover **every gate at every step**, and checks the result
    against what Keras itself computes. Its gates agree with our loop:
    """)
    nb.code('''
    trace = lx.trace_gates(model, X[None])
    lt = trace["gender_cell"]
    gaps = {q: np.abs(getattr(lt, q)[0, :, 0] - [s[q] for s in steps]).max() for q in cols}
    print(trace)
    say("Largest difference, trace vs our loop: " + ", ".join(
        f"{SYMBOLS[q]} {gap:.1e}" for q, gap in gaps.items()))
    ''')
    nb.md("""
    ## The belt's books

    `lx.analysis.ledger` splits every step of the belt into what the forget gate **kept**
    ($f_t C_{t-1}$), what it **forgot** ($(1-f_t) C_{t-1}$) and what the input gate
    **wrote** ($i_t \\tilde{C}_t$): $C_t$ = kept + written.
    """)
    nb.code('''
    books = lt.ledger()
    fig, ax = plt.subplots(figsize=(10, 3.2), layout="constrained")
    w = 0.28
    ax.bar(t - w, books.kept[0, :, 0], w, color=GATE_COLORS["cell"], label="kept  $f_t C_{t-1}$")
    ax.bar(t, -books.forgotten[0, :, 0], w, color=GATE_COLORS["forget"],
           label="forgotten  $-(1-f_t) C_{t-1}$")
    ax.bar(t + w, books.written[0, :, 0], w, color=GATE_COLORS["input"],
           label=r"written  $i_t \\tilde{C}_t$")
    ax.axhline(0, color="#999999", lw=0.8)
    ax.set_xticks(t, tokens, rotation=30)
    ax.legend(ncol=3, fontsize=9, loc="upper right")
    ax.set_title("the conveyor belt's books, word by word");
    ''')

    nb.md("""
    ## Exercises

    Each exercise is checked by `lx.exercises.check(exercise, answer, **context)`: it works
    out the right answer from the same values you used and says ✓, or gives a hint. Replace
    `None` with your answer and run the cell.
    """)
    _exercise(
        nb, 1, "move the belt by hand",
        """
        At the word *Bob*, compute the new cell state $C_t$ from the gate values in the table
        above (`bob` holds them: `bob["forget"]`, `bob["input"]`, `bob["candidate"]` and the
        old state `bob["previous"]`). Use the formula, not `bob["cell"]`.
        """,
        '''
        answer = None  # your C_t at "Bob"

        lx.exercises.check("01.cell_state", answer, forget=bob["forget"], input=bob["input"],
                           candidate=bob["candidate"], previous=bob["previous"])
        ''',
        '''
        answer = bob["forget"] * bob["previous"] + bob["input"] * bob["candidate"]
        ''',
    )
    _exercise(
        nb, 2, "what does the cell show?",
        """
        At the second *and* (the word before *he*), compute $h_t$ from the output gate and
        the new cell state.
        """,
        '''
        second_and = steps[len(tokens) - 1 - tokens[::-1].index("and")]
        answer = None  # your h_t at the second "and"

        lx.exercises.check("01.hidden_state", answer, output=second_and["output"],
                           cell=second_and["cell"], previous=second_and["previous"])
        ''',
        '''
        answer = second_and["output"] * np.tanh(second_and["cell"])
        ''',
    )
    _exercise(
        nb, 3, "find the forget gate's weights in a Keras layer",
        """
        `layer.get_weights()` returns `[kernel, recurrent_kernel, bias]`. Take the forget
        gate's input weights $W_f$ out of the kernel, an array of shape (features, units).
        Mind the block order.
        """,
        '''
        keras_kernel, keras_recurrent, keras_bias = layer.get_weights()
        answer = None  # W_f, a slice of keras_kernel

        lx.exercises.check("01.forget_block", answer, kernel=keras_kernel,
                           recurrent_kernel=keras_recurrent)
        ''',
        '''
        units = keras_kernel.shape[1] // 4
        answer = keras_kernel[:, units : 2 * units]  # blocks i, f, c, o: f is the second
        ''',
    )
    nb.md("""
    **Try it.** Set `k = 1.0` and rerun: how leaky does the belt become? Give the cell a
    recurrent weight (`recurrent_kernel[0, 1] = ...`) and predict what changes. Add a
    `plural` feature and a second unit that remembers it.

    Next: **02 · The sine wave**, where a trained [1, 50, 100, 1] LSTM stack sets its own
    gates, and we go looking for what its units track.
    """)
    return nb


# =========================================================================================
# 02: the sine wave
# =========================================================================================
def nb02() -> Notebook:
    nb = Notebook("02_sine_wave")
    nb.md(r"""
    # 02 · The sine wave: a trained LSTM sets its own gates

    In 01 we set the weights by hand. Here a [1, 50, 100, 1] LSTM stack learns them from the
    seed notebook's sine wave: one input feature, an LSTM layer of 50 units, a second of 100
    units, one linear output. We follow the seed's pipeline (windows of 50 values, three kinds
    of forecast) and always put the **persistence baseline** ("the next value equals the last
    one") beside the model. Then we open the model up: step through its gates during a
    forecast, and find out what some of its units track.
    """)
    nb.code(SETUP + RETRAIN_FLAGS)

    nb.md("""
    ## The data

    The seed's series is a pure sine wave. `lx.data.sine_wave()` computes it (nothing is
    read from disk):
    """)
    nb.code("""
    series = lx.data.sine_wave()
    values = series.values
    spectrum = np.abs(np.fft.rfft(values - values.mean()))
    period = len(values) / np.argmax(spectrum)
    say(f"{len(values)} values between {values.min():+.2f} and {values.max():+.2f}; "
        f"the strongest frequency in its spectrum is one cycle every **{period:.1f}** samples.")

    fig, ax = plt.subplots(figsize=(10, 2.5), layout="constrained")
    ax.plot(values[:400], color="#444444")
    ax.set_xlabel("sample")
    ax.set_title("the first 400 samples");
    """)

    nb.md("""
    ## Windows

    The model sees **windows** of 50 consecutive values and learns to predict the value right
    after each. Every run of 51 values is one example; the first nine in ten windows train
    the model, the rest test it. The split is chronological: the test set is the future.
    """)
    nb.code("""
    windows = lx.data.make_windows(series, seq_len=50, normalise=False)
    say(f"{len(windows.x_train)} training windows and {len(windows.x_test)} test windows, "
        f"each {windows.x_train.shape[1]} steps of {windows.x_train.shape[2]} feature; "
        f"the test windows start at sample {windows.test_index[0]}.")

    fig, ax = plt.subplots(figsize=(10, 2.5), layout="constrained")
    k = 0
    ax.plot(np.arange(50), windows.x_test[k, :, 0], "o-", ms=3, color="#444444",
            label="test window 0: the input")
    ax.plot([50], [windows.y_test[k]], "s", color="#D55E00", ms=8, label="its target")
    ax.set_xlabel("timestep in the window")
    ax.legend(loc="lower left");
    """)

    nb.md("""
    ## The model

    `lx.model.build_model()` is the seed's stack in Keras 3 (dropout after each LSTM,
    mean squared error, RMSprop). The package ships a pretrained copy; set `RETRAIN = True`
    in the first cell to train it here, with the recipe the shipped model was trained with
    (`RECIPE = "shipped"`) or with the seed notebook's own settings (`RECIPE = "seed"`).
    """)
    nb.code("""
    recipe = lx.model.pretrained_info()["sine"]
    if RETRAIN:
        model = lx.model.train_recipe("sine", windows, recipe=RECIPE, verbose=2)
        epochs, batch_size = ((recipe["epochs"], recipe["batch_size"]) if RECIPE == "shipped"
                              else (lx.model.SEED_RECIPE["epochs"],
                                    lx.model.SEED_RECIPE["batch_size"]))
        say(f"The model used below was trained here: {epochs} epoch(s) at batch size "
            f"{batch_size}.")
    else:
        model = lx.model.load_pretrained("sine")

    for layer in model.layers:
        size = (f"units={layer.units}" if hasattr(layer, "units") else f"rate={layer.rate}")
        print(f"{layer.name:10s} {type(layer).__name__:8s} {size:10s} "
              f"parameters={layer.count_params()}")
    seed_scores = recipe["seed_recipe_test_scores"]
    say(f"The seed trained one epoch at batch size 512; that recipe reached a test MSE of "
        f"{seed_scores['point_mse']:.4f} point by point. The shipped model was trained "
        f"{recipe['epochs']} epochs at batch size {recipe['batch_size']} "
        f"({recipe['train_seconds']:.0f} s on two cores) and reached "
        f"{recipe['test_scores']['point_mse']:.4f} (figures recorded by its training script, "
        f"`lx.model.pretrained_info()`).")
    """)

    nb.md("""
    ## Three forecasts and a baseline

    * **Point by point**: every test window, made of true values only, predicts one step.
    * **Multi-sequence**: every 50th test window starts a run of 50 steps in which the model
      feeds its own predictions back in, as if the future were unknown.
    * **Full sequence**: the first test window alone, fed back for the whole test set.

    **Persistence** predicts that the next value equals the last one seen. Any model must
    beat it to have learned something.
    """)
    nb.code("""
    x, y = windows.x_test, windows.y_test
    point = lx.forecast.point_by_point(model, x)
    runs = lx.forecast.multi_sequence(model, x, prediction_len=50)
    full = lx.forecast.full_sequence(model, x)
    persist_point = lx.forecast.persistence(x)
    persist_runs = lx.forecast.persistence(x, prediction_len=50)


    def mse(pred, true):
        pred = np.ravel(pred)
        return float(np.mean((pred - np.ravel(true)[: len(pred)]) ** 2))


    scores = {
        "point by point": (mse(point, y), mse(persist_point, y)),
        "multi-sequence": (mse(runs, y), mse(persist_runs, y)),
        "full sequence": (mse(full, y), mse(np.full_like(y, x[0, -1, 0]), y)),
    }
    rows = "".join(f"<tr><td>{kind}</td><td>{m:.5f}</td><td>{p:.5f}</td><td>{p / m:.1f}×</td></tr>"
                   for kind, (m, p) in scores.items())
    display(HTML("<table><tr><th>forecast</th><th>LSTM MSE</th><th>persistence MSE</th>"
                 f"<th>persistence / LSTM</th></tr>{rows}</table>"))
    """)
    nb.code("""
    fig, axes = plt.subplots(3, 1, figsize=(10, 8), layout="constrained", sharex=True)
    lx.plots.plot_results(point, y, ax=axes[0], title="point by point")
    axes[0].plot(persist_point, color="#999999", ls="--", lw=1, label="persistence")
    axes[0].legend(loc="lower left")
    lx.plots.plot_results_multiple(runs, y, prediction_len=50, ax=axes[1],
                                   title="multi-sequence: runs of 50 fed-back steps")
    lx.plots.plot_results(full, y, ax=axes[2], title="full sequence: one run over the test set")
    axes[2].set_xlabel("test window");
    """)
    nb.code('''
    def times(a, b):
        """'a is N times smaller / larger than b', for positive a and b."""
        return f"{b / a:.1f} times smaller" if a < b else f"{a / b:.1f} times larger"


    def upward_crossings(v):
        """Where a wave crosses zero upwards, interpolated between samples."""
        k = np.flatnonzero((v[:-1] < 0) & (v[1:] >= 0))
        return k + v[k] / (v[k] - v[k + 1])


    m_point, p_point = scores["point by point"]
    m_multi, p_multi = scores["multi-sequence"]
    true_period = np.diff(upward_crossings(y)).mean()
    model_crossings = upward_crossings(full)
    text = (f"**Point by point**, the LSTM's error is {times(m_point, p_point)} than "
            f"persistence's: one step ahead on a smooth wave, repeating the last value is "
            f"already close. **Fed back on itself** over 50 steps, its error is "
            f"{times(m_multi, p_multi)} than persistence's")
    text += (": the model has learned the shape of the wave, not just its last value. "
             if m_multi < p_multi else ": this model has not learned the wave's shape. ")
    if len(model_crossings) >= 2:
        model_period = np.diff(model_crossings).mean()
        text += (f"On the **full sequence** the forecast's own wave repeats every "
                 f"{model_period:.1f} samples instead of {true_period:.1f}, so it slips out of "
                 f"phase by {abs(true_period - model_period):.1f} samples a cycle: small "
                 f"errors, fed back, accumulate.")
    else:
        text += (f"On the **full sequence** the forecast does not keep oscillating: fed on "
                 f"itself it ends at {full[-1]:+.2f}, while the true wave repeats every "
                 f"{true_period:.1f} samples.")
    say(text)
    ''')

    nb.md("""
    ## Inside the model during a forecast

    `lx.forecast_trace.trace_forecast` makes a forecast and traces every gate of both LSTM
    layers inside each window the model saw, fed-back predictions included. We take the
    multi-sequence run that ends furthest from the truth:
    """)
    nb.code("""
    from lstm_explained.forecast_trace import trace_forecast

    run_error = np.mean((runs - y[: runs.size].reshape(runs.shape)) ** 2, axis=1)
    RUN = int(np.argmax(run_error))
    forecast = trace_forecast(model, mode="multi", windows=windows, run=RUN)
    say(f"Run {RUN} of {len(runs)} (mean squared error {run_error[RUN]:.4f}, against "
        f"{np.median(run_error):.4f} for the median run): {forecast.n_samples} forecast steps, "
        f"each a window of {forecast['lstm_1'].n_timesteps} steps through layers "
        f"{', '.join(forecast.layer_names)}; largest difference to Keras in the self-check: "
        f"{forecast.max_rel_error:.1e}.")
    """)
    nb.md("""
    The **gate inspector** steps through it: the window the model saw at one forecast step
    (its fed-back predictions marked), the conveyor belt of a few units at step $t$ with the
    numbers, heatmaps of every unit's gates over the window, and one unit's gates over time.
    Move the *step t* slider or press Play; pick the forecast step, the layer and the units.
    The widget needs a running kernel; the course site adds a kernel-free copy of this
    inspector (`lx.export.inspector_html`) at the end of the page.
    """)
    nb.code("""
    from IPython.display import Image
    from lstm_explained.widgets import GateInspector

    inspector = GateInspector(forecast, layer="lstm_1", sample=forecast.n_samples - 1,
                              timestep=forecast["lstm_1"].n_timesteps - 1)
    inspector
    """)

    nb.md("""
    ## What do the units track?

    Now trace the model on all test windows (true values only) and ask, for each unit of the
    first layer: does its hidden state at the end of a window follow the wave's **value**
    there, $x_T$, or its **slope**, $x_T - x_{T-1}$? The Pearson correlation over the test
    windows answers it.
    """)
    nb.code('''
    trace = lx.trace_gates(model, x)
    first = trace["lstm_1"]
    h_last = first.hidden[:, -1, :]               # (windows, units): h at the last step
    x_last = x[:, -1, 0]                          # the value there
    slope = x[:, -1, 0] - x[:, -2, 0]             # and its slope


    def correlation(values, target):
        """Pearson r of every column of values (windows, units) with target (windows,)."""
        v = values - values.mean(axis=0)
        t = target - target.mean()
        return (v * t[:, None]).sum(axis=0) / np.sqrt((v**2).sum(axis=0) * (t**2).sum())


    r_value = correlation(h_last, x_last)
    r_slope = correlation(h_last, slope)
    value_unit = int(np.argmax(np.abs(r_value)))
    slope_unit = int(np.argmax(np.abs(r_slope)))
    def sign_word(r):
        return "rises" if r > 0 else "falls"

    say(f"In `lstm_1`, **unit {value_unit}** tracks the value: r = {r_value[value_unit]:+.3f} "
        f"(its h_T {sign_word(r_value[value_unit])} as the value rises; a negative r is as strong "
        f"a link as a positive one) "
        f"(and {r_slope[value_unit]:+.3f} with the slope). **Unit {slope_unit}** tracks the "
        f"slope: r = {r_slope[slope_unit]:+.3f} (and {r_value[slope_unit]:+.3f} with the "
        f"value). {np.sum(np.abs(r_value) > 0.9)} of {first.units} units have |r| > 0.9 with "
        f"the value, {np.sum(np.abs(r_slope) > 0.9)} with the slope.")

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), layout="constrained")
    axes[0].scatter(x_last, h_last[:, value_unit], s=8, color=GATE_COLORS["hidden"])
    axes[0].set(xlabel="$x_T$, the value", ylabel=f"$h_T$ of unit {value_unit}",
                title=f"unit {value_unit} follows the value")
    axes[1].scatter(slope, h_last[:, slope_unit], s=8, color=GATE_COLORS["hidden"])
    axes[1].set(xlabel="$x_T - x_{T-1}$, the slope", ylabel=f"$h_T$ of unit {slope_unit}",
                title=f"unit {slope_unit} follows the slope");
    ''')
    nb.md(r"""
    On a sine wave the value and the slope together say where in its cycle the wave is: its
    **phase**. So ask more generally: is each unit's $h_T$ a mix $a\,\hat{x}_T + b\,\hat{s}_T$
    of the standardised value and slope? A least-squares fit per unit gives $a$ and $b$; the
    angle $\operatorname{atan2}(b, a)$ is the phase the unit prefers, its distance from the
    centre how strongly it responds, and $R^2$ how much of the unit the mix explains.
    """)
    nb.code("""
    fig = plt.figure(figsize=(10, 4.2), layout="constrained")
    design = np.column_stack([x_last / x_last.std(), slope / slope.std(), np.ones(len(x))])
    summary = {}
    for k, (name, lt) in enumerate(trace.items()):
        h = lt.hidden[:, -1, :]
        coef, *_ = np.linalg.lstsq(design, h, rcond=None)
        r2 = 1 - ((h - design @ coef) ** 2).sum(axis=0) / ((h - h.mean(axis=0)) ** 2).sum(axis=0)
        angle, strength = np.arctan2(coef[1], coef[0]), np.hypot(coef[0], coef[1])
        quadrants = np.unique(np.floor(np.degrees(angle) % 360 / 90))
        summary[name] = (lt.units, np.median(r2), int(np.sum(r2 > 0.9)), len(quadrants))
        ax = fig.add_subplot(1, 2, k + 1, projection="polar")
        dots = ax.scatter(angle, strength, c=r2, cmap="viridis", vmin=0, vmax=1, s=25)
        ax.set_title(f"{name}: each unit's preferred phase", fontsize=10)
        ax.set_yticklabels([])
        ax.set_xticks(np.radians([0, 90, 180, 270]), ["value +", "slope +", "value −", "slope −"])
    fig.colorbar(dots, ax=fig.axes, label="$R^2$ of the fit", shrink=0.8)

    for name, (units, med, n_good, n_quadrants) in summary.items():
        say(f"`{name}`: the value-and-slope mix explains a median $R^2$ = {med:.3f} of a unit's "
            f"$h_T$; {n_good} of {units} units have $R^2$ > 0.9, and their preferred phases "
            f"fall in {n_quadrants} of the 4 quadrants.")
    """)
    nb.md("""
    The units do not split into "value units" and "slope units": nearly every unit encodes
    the phase, each at its own preferred angle. That is what a network needs to continue a
    wave: to know where in the cycle it is. The gates of the value unit over one window:
    """)
    nb.code("""
    lx.plots.plot_unit_traces(trace, sample=0, unit=value_unit, layer="lstm_1")
    """)
    nb.md("""
    The inspector is scriptable: put the value and slope units on its belt (scroll back up
    to the inspector, or look at its snapshot here) and step through the forecast with them.
    """)
    nb.code("""
    inspector.units = [value_unit, slope_unit]
    display(Image(inspector.snapshot()))
    """)

    nb.md("""
    ## Exercises
    """)
    _exercise(
        nb, 1, "move a real belt by hand",
        """
        In the forecast trace, take the last forecast step, the last timestep of its window,
        and unit `value_unit` of `lstm_1`. Compute $C_t$ from its $f_t$, $i_t$, $\\tilde{C}_t$
        and $C_{t-1}$ (`lt.previous_cell` holds $C_{t-1}$ for every step).
        """,
        """
        lt = forecast["lstm_1"]
        s, t, u = forecast.n_samples - 1, lt.n_timesteps - 1, value_unit
        gates = dict(forget=lt.forget[s, t, u], input=lt.input[s, t, u],
                     candidate=lt.candidate[s, t, u], previous=lt.previous_cell[s, t, u])
        answer = None  # your C_t

        lx.exercises.check("01.cell_state", answer, **gates)
        """,
        """
        answer = gates["forget"] * gates["previous"] + gates["input"] * gates["candidate"]
        """,
    )
    _exercise(
        nb, 2, "find the slope unit of the second layer",
        """
        Which unit of `lstm_2` has the hidden state at the last timestep most correlated
        (largest |r|, either sign) with the slope $x_T - x_{T-1}$ over the test windows?
        """,
        """
        second = trace["lstm_2"]
        answer = None  # a unit index of lstm_2

        lx.exercises.check("02.slope_unit", answer, trace=trace, layer="lstm_2")
        """,
        """
        answer = int(np.argmax(np.abs(correlation(second.hidden[:, -1, :], slope))))
        """,
    )
    _exercise(
        nb, 3, "the baseline on the training windows",
        """
        Compute the persistence baseline's mean squared error on the **training** windows
        (`windows.x_train`, `windows.y_train`), without `lx.forecast`.
        """,
        """
        answer = None  # the MSE of "next = last" on the training windows

        lx.exercises.check("02.persistence_mse", answer, x=windows.x_train, y=windows.y_train)
        """,
        """
        answer = np.mean((windows.x_train[:, -1, 0] - windows.y_train) ** 2)
        """,
    )
    nb.md("""
    Next: **03 · The S&P 500**, where the same model meets a series that is not periodic, and
    the baseline is much harder to beat.
    """)
    return nb


# =========================================================================================
# 03: the S&P 500
# =========================================================================================
def nb03() -> Notebook:
    nb = Notebook("03_sp500")
    nb.md(r"""
    # 03 · The S&P 500: a forecast that looks good, and why

    The same [1, 50, 100, 1] LSTM stack, now on the seed's daily closes of the S&P 500. Prices
    are not a wave: they drift, trend and fall. This notebook shows the seed's **window
    normalisation** and why it is needed, turns forecasts back into **prices**, and puts the
    **persistence baseline** beside them, which explains why a point-by-point forecast of
    prices always looks good. Then we look inside the model through the sharpest fall of the
    test period, and measure how its gates behave, after Karpathy, Johnson & Fei-Fei (2015).
    """)
    nb.code(SETUP + RETRAIN_FLAGS)

    nb.md("""
    ## The data, and why windows are normalised

    The package ships the seed's closes (no download). The seed's split is chronological:
    the first nine in ten windows train the model, the rest test it.
    """)
    nb.code("""
    series = lx.data.load_sp500()
    raw = lx.data.make_windows(series, seq_len=50, normalise=False)
    train_prices = series.values[: raw.train_index[-1] + 51]
    test_prices = raw.y_test
    say(f"{len(series)} closes from {series.dates[0]} to {series.dates[-1]}. The training "
        f"windows span prices from {train_prices.min():.0f} to {train_prices.max():.0f}; the "
        f"test targets run from {test_prices.min():.0f} to {test_prices.max():.0f}: "
        f"{np.mean(test_prices > train_prices.max()):.0%} of them lie above anything the model "
        f"saw in training.")

    fig, ax = plt.subplots(figsize=(10, 3), layout="constrained")
    ax.plot(series.dates, series.values, color="#444444", lw=1)
    split = series.dates[raw.test_index[0] + 50]
    ax.axvspan(split, series.dates[-1], color="#0072B2", alpha=0.12, label="test period")
    ax.set_ylabel("S&P 500 close")
    ax.legend(loc="upper left");
    """)
    nb.md(r"""
    A model trained on raw prices would have to produce values it never saw. The seed
    divides each window by its own first value: $n = p / p_0 - 1$. Every window then starts
    at 0 and says *how much prices moved relative to the start of the window*, a quantity
    that looks alike in 2003 and in 2016. A prediction $n$ is turned back into a price with
    that window's $p_0$: $p = p_0\,(n + 1)$.
    """)
    nb.code("""
    windows = lx.data.make_windows(series, seq_len=50, normalise=True)
    x, y = windows.x_test, windows.y_test
    say(f"Normalised, the training windows span {windows.x_train.min():+.3f} to "
        f"{windows.x_train.max():+.3f} and the test windows {x.min():+.3f} to {x.max():+.3f}: "
        f"the test set now lies inside the training range.")

    fig, axes = plt.subplots(1, 2, figsize=(10, 3), layout="constrained")
    for k, colour in [(0, "#0072B2"), (len(windows.x_train) // 2, "#D55E00"),
                      (len(windows.x_train) - 1, "#009E73")]:
        start = windows.train_index[k]
        label = str(series.dates[start])
        axes[0].plot(series.values[start : start + 50], color=colour, label=label)
        axes[1].plot(windows.x_train[k, :, 0], color=colour, label=label)
    axes[0].set(title="three training windows, in prices", xlabel="day in window")
    axes[1].set(title="the same windows, normalised: p / p0 − 1", xlabel="day in window")
    axes[1].legend(fontsize=8);
    """)

    nb.md("""
    ## The model

    The seed's stack, trained on the normalised windows. The package ships a pretrained
    copy; `RETRAIN = True` in the first cell trains it here, with the shipped model's recipe
    (`RECIPE = "shipped"`, a few minutes on two cores) or the seed notebook's settings
    (`RECIPE = "seed"`).
    """)
    nb.code("""
    recipe = lx.model.pretrained_info()["sp500"]
    if RETRAIN:
        model = lx.model.train_recipe("sp500", windows, recipe=RECIPE, verbose=2)
        epochs, batch_size = ((recipe["epochs"], recipe["batch_size"]) if RECIPE == "shipped"
                              else (lx.model.SEED_RECIPE["epochs"],
                                    lx.model.SEED_RECIPE["batch_size"]))
        say(f"The model used below was trained here: {epochs} epoch(s) at batch size "
            f"{batch_size}.")
    else:
        model = lx.model.load_pretrained("sp500")
    say(f"The shipped model was trained {recipe['epochs']} epochs at batch size "
        f"{recipe['batch_size']} ({recipe['train_seconds']:.0f} s on two cores) and reached a "
        f"test MSE of {recipe['test_scores']['point_mse']:.5f} point by point; the seed's own "
        f"recipe, one epoch at batch size 512, reached "
        f"{recipe['seed_recipe_test_scores']['point_mse']:.5f} (figures recorded by the "
        f"training script, `lx.model.pretrained_info()`).")
    """)

    nb.md("""
    ## Forecasts, back in prices, next to persistence

    Point by point, each test window predicts the next close; multi-sequence, every 50th
    window starts a run of 50 days fed on its own predictions (which stay in the units of
    the window the run started from). `lx.plots.plot_forecast_prices` de-normalises with the
    right $p_0$ and draws persistence beside the model.
    """)
    nb.code("""
    point = lx.forecast.point_by_point(model, x)
    runs = lx.forecast.multi_sequence(model, x, prediction_len=50)
    persist = lx.forecast.persistence(x)

    price_true = windows.denormalise(y)
    price_model = windows.denormalise(point)
    price_persist = windows.denormalise(persist)

    fig, axes = plt.subplots(2, 1, figsize=(10, 7), layout="constrained")
    lx.plots.plot_forecast_prices(windows, point, kind="point", ax=axes[0],
                                  title="point by point: one day ahead from true windows")
    lx.plots.plot_forecast_prices(windows, runs, kind="multi", ax=axes[1],
                                  title="multi-sequence: 50 days fed on its own predictions");
    """)
    nb.code('''
    def rmse(a, b):
        return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


    model_rmse, persist_rmse = rmse(price_model, price_true), rmse(price_persist, price_true)
    level_r = np.corrcoef(price_model, price_true)[0, 1]
    moves = np.sign(point - x[:, -1, 0]) == np.sign(y - x[:, -1, 0])
    up_days = np.mean(y > x[:, -1, 0])
    verdict = ("better than" if model_rmse < persist_rmse else "worse than")
    hugs = "hugs the market" if level_r > 0.8 else "follows the market only loosely"
    say(f"The point-by-point curve {hugs}: its correlation with the true closes is "
        f"r = {level_r:.3f}. Its error is {model_rmse:.1f} index points (root mean "
        f"square), against **{persist_rmse:.1f}** for persistence, which just repeats the "
        f"last close: the LSTM does {verdict} doing nothing. It calls the direction of the "
        f"next day's move right on {moves.mean():.1%} of the test days; the market went up on "
        f"{up_days:.1%} of them.")
    ''')
    nb.md("""
    ### Why point by point looks good: it lags

    Any forecast of tomorrow's close that stays near today's close correlates with the
    market, because today's close is already most of tomorrow's. The question is whether it
    anticipates the **moves**. Compare each day's predicted move with the market's move
    the same day, one day earlier, two days earlier, and so on:
    """)
    nb.code("""
    lags = np.arange(11)
    r_model = lx.exercises.lag_correlations(price_model, price_true, max_lag=10)
    r_persist = lx.exercises.lag_correlations(price_persist, price_true, max_lag=10)

    fig, ax = plt.subplots(figsize=(10, 3), layout="constrained")
    ax.bar(lags - 0.2, r_model, 0.4, color="#0072B2", label="LSTM")
    ax.bar(lags + 0.2, r_persist, 0.4, color="#999999", label="persistence")
    ax.axhline(0, color="#444444", lw=0.8)
    ax.set(xlabel="lag L (days)", ylabel="r of Δforecast[t] with Δtrue[t − L]",
           title="whose moves does the forecast follow?")
    ax.legend();
    best = int(np.argmax(r_model))
    say(f"The LSTM's daily moves correlate with the market's moves **{best} days earlier** "
        f"(r = {r_model[best]:.2f}), and with the same day's move at r = {r_model[0]:+.2f}. "
        f"Persistence is the extreme case: r = {r_persist[1]:.2f} at lag 1. "
        + ("Both are echoes of moves already made, not forecasts of the next one; the "
           "LSTM's echo is a smoothed, delayed one." if best >= 1 and r_model[best] >= 0.2
           else "This LSTM's moves follow the same day's market moves best."
           if best == 0 else "This LSTM's moves hardly follow the market's at any lag."))
    """)

    nb.md("""
    ## Inside the model through a fall

    Which multi-sequence run crosses the most turbulent stretch? Compute each run's
    **drawdown**, the largest fall from a running peak of the true closes during its 50
    days, and trace the worst one.
    """)
    nb.code("""
    from lstm_explained.forecast_trace import trace_forecast

    dates = windows.target_dates()
    drawdowns = []
    for k in range(len(runs)):
        closes = price_true[k * 50 : (k + 1) * 50]
        drawdowns.append((closes / np.maximum.accumulate(closes) - 1).min())
    RUN = int(np.argmin(drawdowns))
    closes = price_true[RUN * 50 : (RUN + 1) * 50]
    low = int(np.argmin(closes / np.maximum.accumulate(closes)))
    peak = int(np.argmax(closes[: low + 1]))
    forecast = trace_forecast(model, mode="multi", windows=windows, run=RUN)
    say(f"Run {RUN} ({dates[RUN * 50]} to {dates[RUN * 50 + 49]}) holds the largest drawdown "
        f"of the test set: a fall of **{-drawdowns[RUN]:.1%}**, from {closes[peak]:.0f} on "
        f"{dates[RUN * 50 + peak]} to {closes[low]:.0f} on {dates[RUN * 50 + low]}. The next "
        f"largest fall within a run is {-sorted(drawdowns)[1]:.1%}.")
    """)
    nb.code("""
    from lstm_explained.widgets import GateInspector

    inspector = GateInspector(forecast, layer="lstm_1", sample=low, timestep=49)
    inspector
    """)
    nb.code("""
    run_prices = forecast.extras["prediction_price"]
    say(f"Fed on its own predictions from {dates[RUN * 50]}, the model forecasts "
        f"{run_prices[low]:.0f} for {dates[RUN * 50 + low]}, when the close was "
        f"{closes[low]:.0f} ({run_prices[low] - closes[low]:+.0f} points): a forecast fed on "
        f"itself cannot know of a fall that nothing in its window announces. The inspector "
        f"above shows that forecast step (step t = 49 is the last day of the window it saw); "
        f"the course site adds a kernel-free copy of the inspector at the end of the page. "
        f"Its conveyor belt at that step, for the first units of `lstm_1`:")
    lx.plots.plot_conveyor_belt(forecast, sample=low, timestep=49, layer="lstm_1")
    """)

    nb.md("""
    ## Do the gates open and close? Saturation

    Karpathy, Johnson & Fei-Fei (2015) measured how often each gate of a trained LSTM is
    **saturated**: nearly closed (value $< 0.1$, *left*) or nearly open (value $> 0.9$,
    *right*). Their character-level language models had many such switch-like units,
    especially forget gates that stayed open to remember for long. Trace the model on every
    test window and count:
    """)
    nb.code("""
    trace = lx.trace_gates(model, x)
    rows = []
    for name, lt in trace.items():
        sat = lt.saturation(low=0.1, high=0.9)
        for gate in sat.gates:
            left, right = sat[gate]
            values = getattr(lt, gate)
            rows.append(f"<tr><td>{name}</td><td style='color:{GATE_COLORS[gate]}'>{gate}</td>"
                        f"<td>{left.mean():.1%}</td><td>{right.mean():.1%}</td>"
                        f"<td>{values.min():.3f} – {values.max():.3f}</td></tr>")
    display(HTML("<table><tr><th>layer</th><th>gate</th><th>left-saturated (&lt; 0.1)</th>"
                 "<th>right-saturated (&gt; 0.9)</th><th>range of values</th></tr>"
                 + "".join(rows) + "</table>"))
    lx.plots.plot_saturation(trace, layer="lstm_1")
    """)
    nb.code("""
    fig, axes = plt.subplots(1, 3, figsize=(10, 2.8), layout="constrained", sharey=True)
    for ax, gate in zip(axes, ("forget", "input", "output")):
        for name, lt in trace.items():
            ax.hist(getattr(lt, gate).ravel(), bins=60, range=(0, 1), histtype="step",
                    color=GATE_COLORS[gate], ls="-" if name == "lstm_1" else "--", label=name)
        ax.axvspan(0, 0.1, color="#dddddd")
        ax.axvspan(0.9, 1, color="#dddddd")
        ax.set(title=f"{gate} gate values", xlabel="value", yscale="log")
    axes[0].legend(fontsize=8);

    u = trace["lstm_1"].units
    forget_bias = model.get_layer("lstm_1").get_weights()[2][u : 2 * u]
    median_forget = float(np.median(trace["lstm_1"].forget))
    saturated = max(
        float(np.mean((getattr(lt, g) < 0.1) | (getattr(lt, g) > 0.9)))
        for lt in trace.values() for g in ("forget", "input", "output")
    )
    other = np.concatenate([np.ravel(getattr(lt, g)) for lt in trace.values()
                            for g in ("input", "output")])
    say((f"None of these gates ever saturates. " if saturated == 0 else
         f"At most {saturated:.2%} of any gate's values are saturated. ")
        + f"Every forget gate value of `lstm_1` lies within "
        f"{trace['lstm_1'].forget.min():.3f} – {trace['lstm_1'].forget.max():.3f}, around a "
        f"median of {median_forget:.3f}; σ(1) = {1 / (1 + np.exp(-1)):.3f} is where Keras "
        f"starts a forget gate (bias 1, `unit_forget_bias`), and after training the forget "
        f"biases of `lstm_1` average {forget_bias.mean():.3f}. The input and output gates of "
        f"both layers stay within {other.min():.3f} – {other.max():.3f}. The normalised "
        f"windows are small numbers (|n| ≤ {np.abs(x).max():.2f} in the test set), too small "
        f"to push the gates far from where they started: the trained LSTM works much like a "
        f"fixed, leaky average of its recent inputs, and a leaky average of the past is a "
        f"forecast that lags.")
    """)

    nb.md("""
    ## Exercises
    """)
    _exercise(
        nb, 1, "a fed-back forecast, in prices",
        """
        Run `RUN` forecast the fall. Turn its normalised prediction at the step of the low,
        `runs[RUN, low]`, back into an index level, with `windows.p0_test` and without
        `windows.denormalise`. Mind which window's $p_0$ a fed-back run lives in.
        """,
        """
        answer = None  # the forecast for the day of the low, in index points

        lx.exercises.check("03.denormalise_run", answer, windows=windows, predictions=runs,
                           run=RUN, step=low)
        """,
        """
        answer = windows.p0_test[RUN * 50] * (runs[RUN, low] + 1)
        """,
    )
    _exercise(
        nb, 2, "how late is the echo?",
        """
        Without `lx.exercises.lag_correlations`: with `np.diff` and `np.corrcoef`, find the lag
        L from 0 to 10 at which the day-to-day moves of the point-by-point forecast
        (`price_model`) correlate best with the market's moves L days earlier
        (`price_true`).
        """,
        """
        answer = None  # a lag in days

        lx.exercises.check("03.lag", answer, predicted=price_model, true=price_true, max_lag=10)
        """,
        """
        dp, dt = np.diff(price_model), np.diff(price_true)
        r = [np.corrcoef(dp[L:], dt[: len(dt) - L])[0, 1] for L in range(11)]
        answer = int(np.argmax(r))
        """,
    )
    _exercise(
        nb, 3, "count saturated gates yourself",
        """
        Predict first, from the histograms: what fraction of all forget-gate values of
        `lstm_2` (every window, step and unit) is right-saturated, $> 0.9$? Then compute
        it from `trace["lstm_2"].forget` without `lx.analysis`.
        """,
        """
        answer = None  # a fraction between 0 and 1

        lx.exercises.check("03.saturation", answer, trace=trace, layer="lstm_2",
                           gate="forget", side="right")
        """,
        """
        answer = np.mean(trace["lstm_2"].forget > 0.9)
        """,
    )
    nb.md("""
    **Try it.** Beat persistence: train on returns instead of $p/p_0 - 1$, add features, or
    predict the direction only. Or explain it: shift `price_model` by the lag you found and
    compare with `price_true`.

    Next: **04 · Instructor tour**, a classroom script through the moments worth stopping at.
    """)
    return nb


# =========================================================================================
# 04: the instructor's tour
# =========================================================================================
def nb04() -> Notebook:
    nb = Notebook("04_instructor_tour")
    nb.md(r"""
    # 04 · Instructor tour: where to stop, and what to ask

    A script for a class that has seen the cell (01) and the two forecasts (02, 03). Run it
    top to bottom before class; it finds the moments worth stopping at **by computation**,
    so they stay right when the models are retrained. At each stop:

    * **Show**: the inspector at that moment (live in JupyterLab; exported for slides);
    * **Ask**: a question for the class;
    * **Expect**: the answer, with the numbers this notebook computed.

    The last section exports what you need for slides (a PNG snapshot, a self-contained
    HTML inspector, an animation) into a fresh temporary folder, which the last cell
    removes: no file of yours is ever touched, and nothing is left behind.
    """)
    nb.code(SETUP + '''
import tempfile
from pathlib import Path

import lstm_explained.export  # noqa: F401  (makes lx.export available)
from lstm_explained.forecast_trace import trace_forecast
from lstm_explained.widgets import GateInspector

tour_folder = tempfile.TemporaryDirectory(prefix="lstm-explained-tour-")  # removed at the end
OUT = Path(tour_folder.name)  # a new, empty folder
print("exports go to", OUT)
''')

    nb.md("""
    ## Stop 1: the crest of the sine wave

    **Find it.** The highest target of the sine test set, away from its ends. Trace the
    point-by-point forecasts of the ten windows before and after it, and name the units of
    `lstm_1` that track the wave's value and its slope (as in 02).
    """)
    nb.code("""
    sine_model = lx.model.load_pretrained("sine")
    sine = lx.data.make_windows(lx.data.sine_wave(), seq_len=50)
    inner = np.arange(20, len(sine.y_test) - 20)
    crest = int(inner[np.argmax(sine.y_test[inner])])
    around = np.arange(crest - 10, crest + 11)
    crest_trace = trace_forecast(sine_model, mode="point", windows=sine, steps=around)
    at_crest = int(np.flatnonzero(around == crest)[0])  # the sample whose target is the crest

    corr = lx.exercises.unit_correlations(lx.trace_gates(sine_model, sine.x_test), "lstm_1")
    value_unit = int(np.argmax(np.abs(corr["value"])))
    slope_unit = int(np.argmax(np.abs(corr["slope"])))
    say(f"The crest is the target of test window {crest} (value {sine.y_test[crest]:.4f}). "
        f"Units of `lstm_1`: **{value_unit}** tracks the value "
        f"(r = {corr['value'][value_unit]:+.3f}), **{slope_unit}** the slope "
        f"(r = {corr['slope'][slope_unit]:+.3f}).")
    """)
    nb.code("""
    crest_inspector = GateInspector(crest_trace, layer="lstm_1", sample=at_crest, timestep=49,
                                    units=[value_unit, slope_unit])
    crest_inspector
    """)
    nb.code("""
    lt = crest_trace["lstm_1"]
    h_slope = lt.hidden[:, -1, slope_unit]
    h_value = lt.hidden[:, -1, value_unit]
    flip = int(np.flatnonzero(np.diff(np.sign(h_slope)) != 0)[0]) if np.any(
        np.diff(np.sign(h_slope)) != 0) else None

    fig, ax = plt.subplots(figsize=(10, 3), layout="constrained")
    steps = around - crest
    ax.plot(steps, h_value, "o-", color=GATE_COLORS["hidden"], label=f"unit {value_unit} (value)")
    ax.plot(steps, h_slope, "s--", color=GATE_COLORS["cell"], label=f"unit {slope_unit} (slope)")
    ax.axvline(0, color="#999999", lw=0.8)
    ax.axhline(0, color="#cccccc", lw=0.8)
    ax.set(xlabel="window, relative to the one whose target is the crest",
           ylabel="$h_T$ at the window's last step", title="two units across the crest")
    ax.legend();

    f_value = lt.forget[at_crest, :, value_unit]
    say("**Ask:** *The next value is the top of the wave. What do the value unit and the slope "
        "unit show now? Does a gate 'switch' at the crest?*")
    extreme = "lowest" if corr["value"][value_unit] < 0 else "highest"
    rank = int(np.sum(h_value < h_value[at_crest]) if extreme == "lowest"
               else np.sum(h_value > h_value[at_crest]))
    say(f"**Expect:** the value unit is near its {extreme} ($h_T$ = {h_value[at_crest]:+.3f}; "
        f"{rank} of the {len(around)} windows around the crest go further, and they range "
        f"from {h_value.min():+.3f} to {h_value.max():+.3f}). The slope unit "
        + (f"changes sign between windows {around[flip] - crest:+d} and "
           f"{around[flip + 1] - crest:+d} relative to the crest"
           if flip is not None else "does not change sign in this stretch")
        + f". No gate switches: the value unit's forget gate stays within "
        f"{f_value.min():.3f} – {f_value.max():.3f} over the whole window. The crest is "
        f"carried by the cell state and the candidate, not by a gate opening or closing.")
    """)

    nb.md("""
    ## Stop 2: a sharp market fall

    **Find it.** The largest one-day fall of the S&P 500 test set. Trace the point-by-point
    forecasts of the days around it.
    """)
    nb.code("""
    sp_model = lx.model.load_pretrained("sp500")
    sp = lx.data.make_windows(lx.data.load_sp500(), seq_len=50, normalise=True)
    closes = sp.denormalise(sp.y_test)
    dates = sp.target_dates()
    day = int(np.argmin(closes[1:] / closes[:-1])) + 1          # test index of the fall day
    days = np.arange(day - 5, day + 6)
    fall_trace = trace_forecast(sp_model, mode="point", windows=sp, steps=days)
    after = int(np.flatnonzero(days == day + 1)[0])   # first window that ends with the fall
    say(f"The largest one-day fall: **{dates[day]}**, from {closes[day - 1]:.0f} to "
        f"{closes[day]:.0f} ({closes[day] / closes[day - 1] - 1:.1%}).")
    """)
    nb.code("""
    fall_inspector = GateInspector(fall_trace, layer="lstm_1", sample=after, timestep=49)
    fall_inspector.units = fall_inspector.most_active(4)
    fall_inspector
    """)
    nb.code("""
    pred = fall_trace.extras["prediction_price"]
    fall = closes[day] - closes[day - 1]
    echoed = pred[after] - pred[after - 1]
    books = fall_trace["lstm_1"].ledger()
    written = np.abs(books.written[:, -1, :]).sum(axis=1)     # per window, at its last step
    calm = np.median(np.delete(written, after))
    persist_err = abs(closes[day] - closes[day + 1])
    model_err = abs(pred[after] - closes[day + 1])

    say("**Ask:** *The window now ends with the fall. How much of it will tomorrow's forecast "
        "contain? Will the model beat 'tomorrow equals today' on that day?*")
    say(f"**Expect:** the market fell {-fall:.0f} points on {dates[day]}; the model's forecast "
        f"for the next day moved {echoed:+.0f} points, {echoed / fall:.0%} of the fall. At the "
        f"last step of that window the belt of `lstm_1` wrote {written[after]:.4f} in total "
        f"(sum of $|i_t \\\\tilde{{C}}_t|$ over units), {written[after] / calm:.1f} times as "
        f"much as on the median day around it. For {dates[day + 1]} the model was "
        f"{model_err:.0f} points off, persistence {persist_err:.0f}.")
    """)

    nb.md("""
    ## A closing question: do these gates ever switch?

    **Ask:** *Karpathy et al. found gates that act like switches, nearly always open or
    closed. Do ours?* Show the saturation plot of the two stops' traces.
    """)
    nb.code("""
    stops = {"sine, around the crest": crest_trace, "S&P 500, around the fall": fall_trace}
    for name, tr in stops.items():
        lt = tr["lstm_1"]
        sat = lt.saturation()
        say(f"**Expect** ({name}): {sat.left.mean():.1%} of gate values left-saturated, "
            f"{sat.right.mean():.1%} right-saturated; forget gates within "
            f"{lt.forget.min():.3f} – {lt.forget.max():.3f}.")
    lx.plots.plot_saturation(fall_trace, layer="lstm_1")
    """)

    nb.md("""
    ## Exporting for slides

    Everything goes into the temporary folder made at the top; the exporters also refuse to
    overwrite an existing file unless told to (`overwrite=True`).

    **A snapshot** of what an inspector shows, as a PNG:
    """)
    nb.code("""
    from IPython.display import Image

    png = OUT / "sine_crest.png"
    png.write_bytes(crest_inspector.snapshot())
    fig = lx.plots.plot_inspector(fall_trace, layer="lstm_1", sample=after, timestep=49,
                                  units=fall_inspector.units)
    fig.savefig(OUT / "sp500_fall.png", dpi=150)
    Image(png)
    """)
    nb.md("""
    **The HTML inspector**: one self-contained file (pictures inline, a small player, no
    kernel, no network) that steps through the chosen forecast steps and timesteps. Open it
    by double-click, put it on a course site, or mail it:
    """)
    nb.code("""
    import html

    page = lx.export.inspector_html(
        fall_trace, OUT / "sp500_fall_inspector.html", layer="lstm_1",
        units=fall_inspector.units, samples=[after - 1, after, after + 1],
        timesteps=range(0, 50, 4), progress=False,
    )
    document = html.escape(page.read_text(encoding="utf-8"), quote=True)
    display(HTML(f'<div><iframe srcdoc="{document}" title="gate inspector" '
                 'style="width:100%;height:760px;border:1px solid #ddd"></iframe></div>'))
    """)
    nb.md("""
    **An animation** for a slide: the crest window, step by step, as a GIF (an `.mp4` name
    makes a video, if `ffmpeg` is installed):
    """)
    nb.code("""
    import base64

    gif = lx.export.animation(crest_trace, OUT / "sine_crest.gif", layer="lstm_1",
                              units=[value_unit, slope_unit], samples=[at_crest],
                              timesteps=range(0, 50, 2), fps=6, progress=False)
    display(HTML(f'<img src="data:image/gif;base64,{base64.b64encode(gif.read_bytes()).decode()}" '
                 'style="max-width:100%">'))
    """)
    nb.code("""
    try:
        lx.export.animation(crest_trace, gif, samples=[at_crest], progress=False)
    except lx.LSTMExplainedError as err:
        print("Writing it again is refused:", err)

    for path in sorted(OUT.iterdir()):
        print(f"{path.name:30s} {path.stat().st_size / 1024:8.0f} kB")
    """)
    nb.md("""
    The last cell removes the temporary folder and everything in it. To keep the exports
    for class, copy them out first, e.g. `shutil.copytree(OUT, "tour-slides")`.
    """)
    nb.code("""
    tour_folder.cleanup()
    print("removed", OUT, "- still there:", OUT.exists())
    """)
    return nb


NOTEBOOKS: dict[str, Callable[[], Notebook]] = {
    "01_lstm_cell": nb01,
    "02_sine_wave": nb02,
    "03_sp500": nb03,
    "04_instructor_tour": nb04,
}


def render(stem: str) -> str:
    """The text of one notebook as this script writes it."""
    nb = NOTEBOOKS[stem]().notebook()
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale notebooks")
    parser.add_argument("stems", nargs="*", help="notebooks to write (default: all)")
    args = parser.parse_args(argv)
    stale = []
    for stem in args.stems or NOTEBOOKS:
        path = HERE / f"{stem}.ipynb"
        text = render(stem)
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(path.name)
        if not args.check:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(HERE.parent)}")
    if args.check and stale:
        print("stale (run tutorials/_build_notebooks.py): " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
