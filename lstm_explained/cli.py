"""The ``lstm-explained`` command line.

Every mistake on the command line (an unknown option, ``--inspector-frames 0``, an
``--out`` that is a file, a link or read-only, a full disk) ends in ONE line on stderr,
``lstm-explained ...: error: ...``, and exit status 2, never a traceback.

Example
-------
::

    lstm-explained demo --out demo --dataset sine
    lstm-explained --version
"""

from __future__ import annotations

import argparse
import sys

from lstm_explained import __version__
from lstm_explained.errors import LSTMExplainedError


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (argparse's own add the usage)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _whole_number(text: str) -> int:
    """``--inspector-frames``: a whole number, at least 1."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {n}")
    return n


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="lstm-explained", description="Open up a Keras LSTM for teaching.")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
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
        type=_whole_number,
        default=150,
        metavar="N",
        help="forecast steps each HTML inspector holds, each with every timestep (fewer: a "
        "smaller file; default: %(default)s, i.e. all of them)",
    )
    demo.add_argument(
        "--force", action="store_true", help="write into a non-empty folder the demo did not create"
    )
    return p


def _demo(args: argparse.Namespace) -> int:
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
    except (LSTMExplainedError, OSError) as exc:  # OSError: what no check could foresee
        print(f"lstm-explained demo: error: {exc}", file=sys.stderr)
        return 2
    print(f"\nWrote {len(written)} files:")
    for path in written:
        print(f"  {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``lstm-explained`` command; returns the exit status."""
    args = _parser().parse_args(argv)
    if args.command == "demo":
        return _demo(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
