"""The ``segkit`` command.

Exit codes: 0 success; 1 a step of the study failed, or the disk filled up
(the run folder shows which and why); 2 the study file or an input file is
unusable (nothing was written); 130 interrupted (Ctrl-C, SIGTERM).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from segkit import __version__
from segkit.errors import SegkitError


def _run(args: argparse.Namespace) -> int:
    from segkit.config import load_config

    # the study file is checked before the analysis libraries load: a bad one costs a fraction of a second
    load_config(args.study)
    if args.pdf:
        from segkit.pdf import check_pdf_tools

        # a missing printer is found before the run, not after its minutes of work
        check_pdf_tools()
    from segkit.report import run_study

    result = run_study(args.study, out_dir=args.out, progress=lambda line: print(line, flush=True),
                       start=args.start, only=args.only, reuse=args.reuse)
    step = result.failed_step
    if step is not None:
        print(f"\nstep {step.name} ({step.title}) failed: {step.error}", file=sys.stderr)
        print(f"report with the error: {result.run_dir / step.html}", file=sys.stderr)
        print(f"index: {result.index}", file=sys.stderr)
        if args.pdf:
            print(f"PDF (up to the failure): {_print_pdf(result.run_dir)}", file=sys.stderr)
        return 1
    print(f"\nindex: {result.index}")
    if args.pdf:
        print(f"PDF: {_print_pdf(result.run_dir)}")
    return 0


def _print_pdf(run_dir: Path, out: str | None = None) -> Path:
    from segkit.pdf import print_run

    return print_run(run_dir, out, progress=lambda line: print(f"      {line}", flush=True))


def _pdf(args: argparse.Namespace) -> int:
    path = _print_pdf(Path(args.run), args.out)
    print(f"PDF: {path}")
    return 0


def _share(args: argparse.Namespace) -> int:
    from segkit.share import share_run

    path = share_run(Path(args.run), args.out, zip_it=args.zip)
    print(f"share copy (pages, exports, PDF if printed; no notebooks, artifacts or machine details): {path}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    from segkit.compare import compare_runs

    path = compare_runs(args.run_a, args.run_b, out_dir=args.out)
    print(f"comparison report: {path}")
    return 0


def _new(args: argparse.Namespace) -> int:
    from segkit.scaffold import new_study

    path = new_study(args.name, Path(args.folder) if args.folder else None,
                     data=Path(args.data) if args.data else None)
    what = ("check the column mapping" if args.data
            else f"put your files in {path.parent / 'data'}, fill in the column mapping")
    print(f"wrote {path}; {what}, then: segkit run {path}")
    return 0


def _demo_size(text: str) -> int:
    """``--n-customers`` checked before anything is written (argparse exits 2 with the message)."""
    from segkit.demo import DEMO_MAX_CUSTOMERS, DEMO_MIN_CUSTOMERS

    clean = text.replace(",", "").replace("_", "")
    try:
        n = int(clean)
    except ValueError:
        try:
            number = float(clean)  # 1e6 is a whole number too
        except ValueError:
            number = float("nan")
        if not number.is_integer():
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        n = int(number)
    if not DEMO_MIN_CUSTOMERS <= n <= DEMO_MAX_CUSTOMERS:
        raise argparse.ArgumentTypeError(f"the demo generates {DEMO_MIN_CUSTOMERS} to {DEMO_MAX_CUSTOMERS:,} "
                                         f"customers, not {n:,}")
    return n


def _demo(args: argparse.Namespace) -> int:
    from segkit.demo import write_demo
    from segkit.report import check_out_dir

    check_out_dir(args.folder, what="the demo folder")
    files = write_demo(args.folder, n_customers=args.n_customers, seed=args.seed,
                       progress=lambda line: print(line, flush=True))
    for name, path in files.items():
        print(f"{name}: {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="segkit", description="Customer segmentation studies in eight reported steps.")
    p.add_argument("--version", action="version", version=f"segkit {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="run the eight steps of a study into a dated report folder")
    r.add_argument("study", help="the study file (YAML)")
    r.add_argument("--out", default="reports", help="folder for dated run folders (default: reports)")
    part = r.add_mutually_exclusive_group()
    part.add_argument("--from", dest="start", metavar="STEP",
                      help="run from this step (number, name or e.g. 05_stability) to the end; needs --reuse")
    part.add_argument("--only", metavar="STEP", help="run only this step; needs --reuse")
    r.add_argument("--reuse", metavar="RUN",
                   help="a finished run folder whose earlier steps to re-use (their inputs and settings must be "
                        "unchanged); the result is a new run folder")
    r.add_argument("--pdf", action="store_true",
                   help="also print the index and every report into one PDF beside the run folder (needs "
                        "headless Chromium and the pdf extra)")
    r.set_defaults(func=_run)

    f = sub.add_parser("pdf", help="print a run folder's index and reports into one PDF (headless Chromium)")
    f.add_argument("run", help="the run folder (reports/DATE/<study>-HHMMSS)")
    f.add_argument("--out", help="the PDF to write (default: beside the run folder, RUN.pdf)")
    f.set_defaults(func=_pdf)

    h = sub.add_parser("share", help="copy what a client reads of a finished run (pages, exports, PDF) into a "
                                     "folder or zip beside it, without notebooks, artifacts or machine details")
    h.add_argument("run", help="the run folder (reports/DATE/<study>-HHMMSS)")
    h.add_argument("--out", help="the folder to create (default: beside the run folder, RUN-share)")
    h.add_argument("--zip", action="store_true", help="also write the folder as a .zip")
    h.set_defaults(func=_share)

    c = sub.add_parser("compare", help="compare two run folders (migration, ARI, drift) in a dated report")
    c.add_argument("run_a", help="the earlier run folder")
    c.add_argument("run_b", help="the later run folder")
    c.add_argument("--out", default="reports", help="folder for the dated comparison (default: reports)")
    c.set_defaults(func=_compare)

    n = sub.add_parser("new", help="scaffold a study file to fill in")
    n.add_argument("name", help="study name, or the path of a new folder whose last part names the study")
    n.add_argument("--folder", help="where to write it (default: NAME taken as a path)")
    n.add_argument("--data", help="a folder with customers and transactions files (e.g. from segkit demo) to point "
                                  "the study at")
    n.set_defaults(func=_new)

    d = sub.add_parser("demo", help="write the demo data set (deterministic from the seed)")
    d.add_argument("folder", help="output folder")
    d.add_argument("--n-customers", type=_demo_size, default=5000,
                   help="customers to generate (50 to 1,000,000, above 99,999 in chunks; default 5,000)")
    d.add_argument("--seed", type=int, default=2026)
    d.set_defaults(func=_demo)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``segkit`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SegkitError as err:
        print(f"segkit: error: {short_message(str(err))}", file=sys.stderr)
        return 2
    except OSError as err:
        # the disk filled up or a folder vanished mid-run: one line, not a traceback (the run folder says the rest)
        from segkit.errors import os_error_text

        print(f"segkit: error: {short_message(os_error_text(err))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("segkit: interrupted; the run folder, if one was made, is marked 'interrupted'", file=sys.stderr)
        return 130


#: An error message is read by a person: longer ones are cut (their start names the file, key and column).
MAX_ERROR_CHARS = 3000


def short_message(text: str, limit: int = MAX_ERROR_CHARS) -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out.

    Examples
    --------
    >>> short_message("x" * 10, limit=4)
    'xxxx ... (6 more characters)'
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]} ... ({len(text) - limit:,} more characters)"


if __name__ == "__main__":
    sys.exit(main())
