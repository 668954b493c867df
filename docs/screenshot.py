"""Screenshot a tutorial page of the built course site for the README.

    python3 docs/screenshot.py                       # build into a temp folder, then shoot
    python3 docs/screenshot.py --site docs/_build/html

Writes ``docs/images/tutorial_page.png``: the S&P 500 tutorial in headless Chromium
(``$LSTM_EXPLAINED_CHROMIUM`` or ``chromium`` on the PATH; never a downloaded browser),
scrolled to its kernel-free inspector, moved a few steps in. The page is served by a
local ``http.server`` on 127.0.0.1, like the browser tests do.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def shoot(site: Path, page: str, out: Path, steps: int) -> None:
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("LSTM_EXPLAINED_CHROMIUM") or shutil.which("chromium")
    if not chromium:
        raise SystemExit("no Chromium: set LSTM_EXPLAINED_CHROMIUM or install Debian's chromium")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=site))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=ARGS)
            tab = browser.new_page(viewport={"width": 1280, "height": 860}, device_scale_factor=1)
            tab.goto(f"http://127.0.0.1:{server.server_address[1]}/{page}")
            tab.wait_for_load_state("networkidle")
            frame_element = tab.locator("iframe.lx-inspector-frame").first
            frame = frame_element.element_handle().content_frame()
            slider = frame.locator('input[type="range"]').first
            slider.focus()
            for _ in range(steps):
                slider.press("ArrowRight")
            slider.evaluate("e => e.blur()")
            heading = tab.locator("h2", has_text="Step through it").first
            heading.evaluate(
                "h => window.scrollTo(0, h.getBoundingClientRect().top + scrollY - 70)"
            )
            tab.wait_for_timeout(500)
            out.parent.mkdir(parents=True, exist_ok=True)
            tab.screenshot(path=str(out))
            browser.close()
    finally:
        server.shutdown()
        server.server_close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="an already built site (else: build one)")
    parser.add_argument("--page", default="tutorials/03_sp500.html")
    parser.add_argument("--steps", type=int, default=20, help="slider steps before the shot")
    parser.add_argument("--out", type=Path, default=DOCS / "images" / "tutorial_page.png")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        site = args.site
        if site is None:
            site = Path(tmp) / "html"
            cmd = [sys.executable, "-m", "sphinx", "-E", "-W", "--keep-going", "-q", "docs"]
            subprocess.run([*cmd, str(site)], cwd=ROOT, check=True)
        shoot(site, args.page, args.out, args.steps)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
