"""Claims that an instructor's review found unsupported (issue 13), kept from coming back.

Each entry is a pattern of the old wording and why it was wrong. The tutorials, the docs
pages, the README and the package's docstrings must contain none of them. To retire
another claim, add it here with its reason; the second test checks that each pattern
still recognises the sentence it was written for.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: (pattern, the old sentence it was written for, why it was wrong)
RETIRED = [
    (r"sets? its own gates",
     "02 · The sine wave: a trained LSTM sets its own gates",
     "the gates barely moved from their initialisation (an untrained copy shows the same)"),
    (r"crest is carried by the cell state",
     "The crest is carried by the cell state and the candidate, not by a gate",
     "the gates barely moved from their initialisation: no control, no such claim"),
    (r"what a network needs to continue a wave",
     "that is what a network needs to continue a wave",
     "an untrained network of the same shape tracks value and slope as well"),
    (r"learned the shape of the wave",
     "the model has learned the shape of the wave, not just its last value",
     "only shown against persistence; a 2-coefficient AR continues the sine exactly"),
    (r"too small\s+to push the gates",
     "too small to push the gates far from where they started",
     "incomplete: the gate weights barely trained; the time constant 1/(1-f) is the lesson"),
    (r"lags? (?:its input )?by one step",
     "it lags its input by one step",
     "tutorial 03 measures the lag; the guide must not type another one"),
    (r"scores about the same",
     "the persistence baseline scores about the same",
     "tutorial 03 computes persistence as clearly better"),
    (r"pronoun_next",
     "pronoun_next: 1 where the next word is a pronoun",
     "it looks one word ahead, which no causal model can see"),
    (r"whatever the candidate says",
     "almost nothing is written, whatever the candidate says",
     "untestable while the candidate is exactly 0 off the names"),
    (r"it can grow, which is what lets it carry",
     "it can grow, which is what lets it carry information over many steps",
     "long memory comes from the additive update with f near 1 (dC_t/dC_{t-1} = f_t)"),
    (r"starts out remembering",
     "initialises b_f to ones, so that a new layer starts out remembering",
     "sigma(1) = 0.73, and 0.73^50 is about 1e-7 over one window"),
]


def _texts() -> list[Path]:
    files = [*ROOT.glob("tutorials/*.md"), *ROOT.glob("docs/*.md"), ROOT / "README.md"]
    files += list((ROOT / "lstm_explained").rglob("*.py"))
    return sorted(files)


def _flat(text: str) -> str:
    """Whitespace (line breaks in prose, f-string joints) as single spaces."""
    text = re.sub(r'"\s*\n\s*f?"', "", text)  # "...the " \n f"crest..." -> one string
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("pattern", [p for p, _, _ in RETIRED])
def test_retired_claim_is_gone(pattern):
    reason = next(why for p, _, why in RETIRED if p == pattern)
    found = [f.relative_to(ROOT).as_posix() for f in _texts()
             if re.search(pattern, _flat(f.read_text(encoding="utf-8")), re.I)]
    assert not found, f"retired claim {pattern!r} is back in {found}: {reason}"


@pytest.mark.parametrize(("pattern", "old"), [(p, o) for p, o, _ in RETIRED])
def test_each_pattern_recognises_its_old_sentence(pattern, old):
    assert re.search(pattern, _flat(old), re.I)


def test_a_claim_split_over_f_strings_is_still_found():
    old = 'f"over the whole window. The crest is "\n    f"carried by the cell state and"'
    assert re.search(RETIRED[1][0], _flat(old), re.I)
