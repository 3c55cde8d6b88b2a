"""Command line: ``python -m medlead <command>``.

Commands:

- ``export-qdpx OUT.qdpx``: write the book's coded corpus as a REFI-QDA project;
- ``export-qdc OUT.qdc``: write the book's codebook (``data/codebook.yml``) as a REFI-QDA codebook;
- ``import-qdpx IN.qdpx OUTDIR``: read a REFI-QDA project (ours or from NVivo, ATLAS.ti, MAXQDA,
  QualCoder) into tidy CSV tables inside OUTDIR.

Errors in the input are reported in one line on standard error, with exit status 2; notices
(content left out of an import, selections that look misaligned) as ``note:`` lines.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path


def _export_qdpx(args: argparse.Namespace) -> str:
    from medlead import refi

    try:
        coding = importlib.import_module("medlead.coding")
    except ModuleNotFoundError as exc:
        if exc.name != "medlead.coding":
            raise
        coding = None
    if coding is None or not hasattr(coding, "coded_corpus_tables"):
        raise RuntimeError(
            "The coding module is not available yet (medlead.coding.coded_corpus_tables), "
            "so there is no coded corpus to export. Use medlead.refi.export_qdpx(tables, path) "
            "with your own tables meanwhile."
        )
    path = refi.export_qdpx(coding.coded_corpus_tables(), args.out, created=args.created,
                            positions=args.positions)
    return f"Wrote {path}"


def _export_qdc(args: argparse.Namespace) -> str:
    from medlead import codebook, refi

    table = codebook.load_codebook(args.codebook) if args.codebook else codebook.load_codebook()
    path = refi.export_qdc(codebook.codes_table(table), args.out)
    return f"Wrote {path} ({len(table)} codes and themes)"


def _import_qdpx(args: argparse.Namespace) -> str:
    from medlead import refi

    written = refi.import_qdpx(args.qdpx, args.outdir, positions=args.positions)
    return "Wrote " + ", ".join(str(p) for p in written.values())


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``python -m medlead``."""
    parser = argparse.ArgumentParser(
        prog="python -m medlead", description="Tools of the book's analysis package."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("export-qdpx", help="write the coded corpus as a .qdpx project")
    export.add_argument("out", type=Path, help="the .qdpx file to write")
    export.add_argument(
        "--created",
        default=None,
        help="creationDateTime to write, as xs:dateTime (2024-11-28T00:00:00Z); default: "
        "$SOURCE_DATE_EPOCH, else the fixed 1980-01-01T00:00:00Z",
    )
    export.add_argument(
        "--positions", choices=("codepoints", "utf16"), default="codepoints",
        help="count offsets in code points (default) or in UTF-16 units, as NVivo does",
    )
    export.set_defaults(run=_export_qdpx)
    qdc = commands.add_parser("export-qdc", help="write the codebook as a .qdc file")
    qdc.add_argument("out", type=Path, help="the .qdc file to write")
    qdc.add_argument("--codebook", type=Path, default=None, help="codebook YAML (default: ours)")
    qdc.set_defaults(run=_export_qdc)
    imp = commands.add_parser("import-qdpx", help="read a .qdpx project into CSV tables")
    imp.add_argument("qdpx", type=Path, help="the .qdpx file to read")
    imp.add_argument("outdir", type=Path, help="folder for the CSV tables (created if needed)")
    imp.add_argument(
        "--positions", choices=("auto", "codepoints", "utf16"), default="auto",
        help="unit of the project's positions (default: by the program that wrote it)",
    )
    imp.set_defaults(run=_import_qdpx)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 success, 2 bad input or unavailable)."""
    from medlead.codebook import CodebookError
    from medlead.refi import RefiError

    args = build_parser().parse_args(argv)
    try:
        with warnings.catch_warnings(record=True) as notices:
            warnings.simplefilter("always", UserWarning)
            message = args.run(args)
    except (RefiError, CodebookError, RuntimeError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for item in notices:  # content left out, doubtful readings: said, not fatal
        print(f"note: {item.message}", file=sys.stderr)
    print(message)
    return 0


if __name__ == "__main__":
    sys.exit(main())
