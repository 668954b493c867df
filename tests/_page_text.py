"""Reading the text a browser page shows: every visible piece of text under an element,
with its box and font size, and which pieces of different elements overlap. Used by the
browser tests that check a page is readable on a projector (1024 x 768)."""

from __future__ import annotations

#: A function for ``page.evaluate(TEXT_BOXES, selector)``: every piece of text under the
#: element ``selector`` that a reader sees: its box, its font size, its owner element.
TEXT_BOXES = """(selector) => {
  const out = [];
  const walker = document.createTreeWalker(document.querySelector(selector),
                                           NodeFilter.SHOW_TEXT);
  let n = 0;
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!node.textContent.trim() || el.closest('option, select, title')) continue;
    const owner = el.closest('text') || el;
    if (!owner.dataset.lxid) owner.dataset.lxid = String(n++);
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      if (r.width < 0.5 || r.height < 0.5) continue;
      out.push({text: node.textContent.slice(0, 30), owner: owner.dataset.lxid,
                size: parseFloat(getComputedStyle(el).fontSize),
                x: r.left, y: r.top, w: r.width, h: r.height});
    }
  }
  return out;
}"""


def text_boxes(page, selector: str) -> list[dict]:
    """The visible text under ``selector`` (see :data:`TEXT_BOXES`)."""
    return page.evaluate(TEXT_BOXES, selector)


def overlaps(boxes: list[dict]) -> list[tuple]:
    """(text, text, x, y) of every two pieces of different elements that overlap by more
    than a pixel each way."""
    out = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if a["owner"] == b["owner"]:
                continue
            w = min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"])
            h = min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"])
            if w > 1 and h > 1:
                out.append((a["text"], b["text"], round(a["x"]), round(a["y"])))
    return out
