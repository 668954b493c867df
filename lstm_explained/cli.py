"""The ``lstm-explained`` command line.

Example
-------
::

    lstm-explained demo --out demo --dataset sine
"""

from __future__ import annotations

import argparse
import sys

from lstm_explained.errors import LSTMExplainedError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lstm-explained", description="Open up a Keras LSTM for teaching."
    )
    sub = p.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo",
        help="forecast the sine wave and the S&P 500, write figures and a table of errors",
    )
    demo.add_argument(
        "--out", default="lstm-explained-demo", help="output folder (default: %(default)s)"
    )
    demo.add_argument("--dataset", choices=["sine", "sp500", "both"], default="both")
    demo.add_argument(
        "--retrain",
        action="store_true",
        help="train the models instead of loading the pretrained ones",
    )
    demo.add_argument(
        "--inspector-frames",
        type=int,
        default=150,
        metavar="N",
        help="frames in each HTML inspector (fewer: a smaller file; default: %(default)s)",
    )
    demo.add_argument(
        "--force", action="store_true", help="write into a non-empty folder the demo did not create"
    )
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``lstm-explained`` command; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "demo":
        import matplotlib

        matplotlib.use("Agg")
        from lstm_explained.demo import DATASETS, run_demo

        datasets = DATASETS if args.dataset == "both" else (args.dataset,)
        try:
            written = run_demo(
                args.out,
                datasets,
                retrain=args.retrain,
                force=args.force,
                inspector_frames=args.inspector_frames,
            )
        except LSTMExplainedError as exc:
            print(f"lstm-explained: error: {exc}", file=sys.stderr)
            return 2
        print(f"\nWrote {len(written)} files:")
        for path in written:
            print(f"  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
