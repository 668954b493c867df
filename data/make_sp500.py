"""Regenerate ``lstm_explained/resources/sp500.csv`` from the data the `arch` package ships.

The seed notebook forecast 4171 daily S&P 500 closes (2000-01-03 .. 2016-08-01). The same
closes are part of the daily S&P 500 data in ``arch.data.sp500`` (1999-01-04 .. 2018-12-31),
whose license allows redistribution with its notice (see ``data/README.md``). This script
copies that file's rows as they are (no float re-formatting), with ISO dates, into the
package, so the wheel carries it and nothing is downloaded at run time.

Run from the repository root (``arch`` is in the ``dev`` extra)::

    python3 data/make_sp500.py
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import sys
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "lstm_explained" / "resources" / "sp500.csv"


def main() -> int:
    import arch.data.sp500 as source

    src = Path(source.__file__).with_name("sp500.csv.gz")
    with gzip.open(src, "rt", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    if header[0] != "Date" or "Close" not in header:
        raise SystemExit(f"unexpected columns in {src}: {header}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for row in body:
            row = [datetime.strptime(row[0], "%m/%d/%Y").strftime("%Y-%m-%d"), *row[1:]]
            w.writerow(row)
    digest = hashlib.sha256(OUT.read_bytes()).hexdigest()
    print(f"wrote {OUT.relative_to(ROOT)}: {len(body)} rows, {header}, sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
