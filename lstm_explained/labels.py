"""Labels from a trace, a model or a file are text: never markup, never mathtext.

Layer names, dataset labels, dates, units and titles are untrusted. Every view shows them
through these helpers: :func:`display_text` (control characters made visible),
:func:`inline_label` (also isolated from the text around it, for right-to-left text) and,
in figures, :func:`plain_label` drawn with :data:`PLAIN_TEXT` (no ``$...$`` mathtext, no
LaTeX). Escaping for HTML is the page writer's job (``html.escape``, ``textContent``).

Example
-------
>>> plain_label("$x^$")
'$x^$'
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

#: Keyword arguments of every matplotlib text that shows a string from a trace, a model or
#: a file (layer names, dataset labels, dates, units, titles): drawn as it is, with no
#: mathtext for ``$...$`` (``"$x^$"`` would make drawing raise) and no LaTeX even when
#: ``text.usetex`` is on.
PLAIN_TEXT: dict[str, Any] = {"parse_math": False, "usetex": False}

#: Longest label a figure draws; a longer one is cut and ends in "…".
MAX_LABEL_CHARS = 100

#: Control characters (but tab and line breaks) and lone surrogates: no page shows them.
_UNSHOWABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_NO_ISOLATES = dict.fromkeys(map(ord, "\u2066\u2067\u2068\u2069"))
#: Bidirectional classes that can reorder the text around a label.
_RIGHT_TO_LEFT = {"R", "AL", "AN", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}


def display_text(value: Any) -> str:
    """``value`` as text any page can hold: control characters become U+FFFD.

    Control characters (NUL, BEL, ESC, DEL, ...; not tab and line breaks) are invisible,
    dropped (HTML drops a NUL) or shown differently from one place to the next, so they
    are made visible as U+FFFD; so are lone surrogates, which UTF-8 cannot encode (a JSON
    trace header can carry them). Every other character is kept: escaping is the job of
    whoever writes the page (``html.escape``, ``textContent``).

    Example
    -------
    >>> display_text("a\\x00b")
    'a\ufffdb'
    """
    return _UNSHOWABLE.sub("\ufffd", str(value))


def inline_label(value: Any) -> str:
    """A label from a trace, ready to sit inside other text (an HTML line, a caption).

    :func:`display_text`; when it holds right-to-left letters or direction controls
    (e.g. an override, U+202E), also wrapped in Unicode isolate marks (FSI ... PDI,
    invisible), so that it cannot reorder the words and numbers around it. Figures drop
    the marks (:func:`plain_label`).

    Example
    -------
    >>> inline_label("lstm")
    'lstm'
    >>> inline_label("rlo\\u202e")
    '\\u2068rlo\\u202e\\u2069'
    """
    text = display_text(value)
    if any(unicodedata.bidirectional(c) in _RIGHT_TO_LEFT for c in text):
        return f"\u2068{text}\u2069"
    return text


def plain_label(value: Any, limit: int = MAX_LABEL_CHARS) -> str:
    """A label as a figure draws it (always with :data:`PLAIN_TEXT`).

    One line of at most ``limit`` characters (a longer one ends in "…"); isolate marks
    removed; white space as a space; other control and format characters (NUL, ESC,
    U+202E, ...), which a font cannot draw, shown as U+FFFD.

    Example
    -------
    >>> plain_label("$x^$ rlo\\u202e")
    '$x^$ rlo\ufffd'
    >>> plain_label("x" * 200, limit=5)
    'xxxx…'
    """
    text = str(value).translate(_NO_ISOLATES)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return "".join(
        " " if c.isspace() else "\ufffd" if unicodedata.category(c)[0] == "C" else c
        for c in text
    )



__all__ = ["MAX_LABEL_CHARS", "PLAIN_TEXT", "display_text", "inline_label", "plain_label"]
