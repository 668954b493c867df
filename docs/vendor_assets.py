"""Refresh the vendored front-end files of the course site from the npm registry.

    python3 docs/vendor_assets.py           # fetch with `npm pack`, verify, copy
    python3 docs/vendor_assets.py --check   # only verify what is committed

The docs build never runs this: it uses the committed files in ``docs/_static``.
See ``docs/_static/VENDOR.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

STATIC = Path(__file__).resolve().parent / "_static"

PACKAGES = {
    "@jupyter-widgets/html-manager@1.0.15": {
        "package/dist/embed.js": "ipywidgets/embed.js",
        "package/dist/embed.js.LICENSE.txt": "ipywidgets/embed.js.LICENSE.txt",
        "package/dist/*.woff2": "ipywidgets/",
    },
    "mathjax@3.2.2": {
        "package/es5/tex-chtml.js": "mathjax/tex-chtml.js",
        "package/es5/output/chtml/fonts/woff-v2/*.woff": "mathjax/output/chtml/fonts/woff-v2/",
        "package/LICENSE": "mathjax/LICENSE",
    },
}

SHA256 = {
    "ipywidgets/embed.js": "8f6d2d3f856d8595d1841dec3019d99bbe74d331f2a5178c2a33bfec729e3d6a",
    "mathjax/tex-chtml.js": "0a6ded5abbce13331658dd239f34382abd06492c74b71b61e8caa8112ec55fa5",
}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check() -> bool:
    ok = True
    for rel, digest in SHA256.items():
        path = STATIC / rel
        if not path.exists() or _sha256(path) != digest:
            print(f"MISMATCH {rel}", file=sys.stderr)
            ok = False
    return ok


def fetch() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for spec, files in PACKAGES.items():
            out = subprocess.run(
                ["npm", "pack", spec, "--silent"],
                cwd=tmp,
                check=True,
                capture_output=True,
                text=True,
            ).stdout.split()[-1]
            root = Path(tmp) / spec.replace("/", "_").replace("@", "_")
            with tarfile.open(Path(tmp) / out) as tar:
                tar.extractall(root, filter="data")
            for pattern, dest in files.items():
                matches = sorted(root.glob(pattern))
                if not matches:
                    raise SystemExit(f"{spec}: nothing matches {pattern}")
                for src in matches:
                    target = STATIC / dest
                    if dest.endswith("/"):
                        target = target / src.name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(src, target)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only verify the sha256 sums")
    args = parser.parse_args()
    if not args.check:
        fetch()
    ok = check()
    print("vendored files OK" if ok else "vendored files differ from the pinned sums")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
