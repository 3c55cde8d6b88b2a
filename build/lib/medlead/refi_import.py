"""Read REFI-QDA projects (``.qdpx``) from NVivo, ATLAS.ti, MAXQDA, QualCoder or this package.

In: a ``.qdpx`` path. Out: the five tidy tables of :data:`medlead.refi.TABLE_COLUMNS` (ids are
GUIDs). :func:`read_qdpx` and :func:`import_qdpx` are re-exported by :mod:`medlead.refi`.

How it reads each writer right:

- **Positions** are read in the unit the writing program used (``positions="auto"``): UTF-16 code
  units when the project's ``origin`` names NVivo, or when some selection only fits its text in
  UTF-16 units; Unicode code points otherwise. Then a check counts the selection boundaries
  after the first character outside the Basic Multilingual Plane that fall inside a word; if
  the other reading would put clearly fewer there, a :class:`RefiNotice` says the selections
  look misaligned and how to choose the unit (``positions="utf16"`` or ``"codepoints"``).
- **Text paths**: ``internal://name.txt`` and bare ``name.txt`` are looked up inside the
  archive (the path as given, under ``sources/``, then by file name in any folder, ignoring
  case); ``relative://``, ``absolute://``, ``file://`` and absolute paths are outside the
  archive and refused.
- **Safety**: member names with ``..`` or absolute paths are refused; members larger than
  :data:`medlead.refi.MAX_MEMBER_BYTES` or compressed suspiciously well are refused, except
  media members (pictures, audio, video, PDF, Word), which are skipped by name and size without
  being read; only ``project.qde`` and the text files it points at are read into memory. XML
  declaring entities is refused; deep code trees and large inline texts are accepted (the parser's
  size limits are raised, entity expansion and external entities stay off).
- **Duplicate GUIDs** (two sources, codes, cases, variables or users sharing one) are refused.
- **Case membership codes**: NVivo (and this package's export, for QualCoder) may give a case a
  code with the case's own GUID, coding the case's sources; such a code is read as the case's
  membership, not as a code.
- **Left out, with a notice**: picture, PDF, audio and video sources and their selections, notes,
  links, sets, graphs and variables attached to sources rather than cases.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from collections import Counter
from pathlib import Path, PurePosixPath

import defusedxml.ElementTree as defused_et
import pandas as pd
from defusedxml import DefusedXmlException
from lxml import etree

from medlead import refi as _refi
from medlead.atomic import write_bytes_atomically
from medlead.refi_positions import (
    POSITION_UNITS,
    misaligned_share,
    utf16_length,
    utf16_to_codepoints,
)

#: Members skipped by extension, never read (rich text, pictures, audio, video, PDF).
MEDIA_SUFFIXES: frozenset[str] = frozenset(
    ".docx .doc .rtf .odt .pdf .jpg .jpeg .png .gif .bmp .tif .tiff .webp .heic .svg "
    ".mp3 .m4a .wav .aac .ogg .oga .flac .wma .mp4 .m4v .mov .avi .mkv .wmv .webm .mpg .mpeg "
    ".3gp".split()
)
_MEDIA_SOURCES = ("PictureSource", "PDFSource", "AudioSource", "VideoSource")
#: Share of boundaries inside words above which a reading is flagged, if the other does better.
MISALIGNED_SHARE = 0.2


class RefiNotice(UserWarning):
    """Content of a project that was left out, or a reading that looks doubtful."""


def _notice(message: str) -> None:
    warnings.warn(message, RefiNotice, stacklevel=3)


def _safe_member_name(name: str, archive: str) -> str:
    """Refuse absolute, drive-letter or ``..`` member names; return the name with ``/`` only."""
    clean = name.replace("\\", "/")
    parts = PurePosixPath(clean).parts
    if clean.startswith("/") or re.match(r"^[A-Za-z]:", clean) or ".." in parts:
        raise _refi.RefiError(
            f"{archive}: the archive member {name!r} has an absolute or '..' path; "
            "such archives can write outside their folder and are refused."
        )
    return clean


class _Archive:
    """The members of a ``.qdpx``: names and sizes checked up front, bytes read on demand."""

    def __init__(self, path: Path, archive: zipfile.ZipFile) -> None:
        self.path, self.archive = path, archive
        self.infos: dict[str, zipfile.ZipInfo] = {}
        total = 0
        for info in archive.infolist():
            if info.is_dir():
                continue
            key = _safe_member_name(info.filename, str(path)).lower()
            if key in self.infos:
                raise _refi.RefiError(
                    f"{path}: two members are named {info.filename!r} (ignoring case); "
                    "the archive is ambiguous and is refused."
                )
            self.infos[key] = info
            if PurePosixPath(key).suffix in MEDIA_SUFFIXES:
                continue  # never read, so neither its size nor its compression matters
            if info.file_size > _refi.MAX_MEMBER_BYTES:
                raise _refi.RefiError(
                    f"{path}: member {info.filename!r} would unpack to {info.file_size} bytes, "
                    f"more than the limit of {_refi.MAX_MEMBER_BYTES}."
                )
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > 1024 * 1024 and ratio > _refi.MAX_COMPRESSION_RATIO:
                raise _refi.RefiError(
                    f"{path}: member {info.filename!r} is compressed {ratio:.0f} to 1, "
                    "which looks like a zip bomb; it is refused."
                )
            total += info.file_size
        if total > _refi.MAX_TOTAL_BYTES:
            raise _refi.RefiError(f"{path} would unpack to {total} bytes, more than the limit.")
        self.media = sorted(k for k in self.infos if PurePosixPath(k).suffix in MEDIA_SUFFIXES)

    def read(self, key: str) -> bytes:
        info = self.infos[key]
        try:
            with self.archive.open(info) as stream:
                data = stream.read(info.file_size + 1)
        except (RuntimeError, NotImplementedError, zipfile.BadZipFile) as exc:
            raise _refi.RefiError(f"{self.path}: member {info.filename!r} cannot be read "
                                  f"({exc}).") from exc
        if len(data) > info.file_size:
            raise _refi.RefiError(f"{self.path}: member {info.filename!r} is larger than it "
                                  "claims.")
        return data

    def find_text(self, text_path: str, where: str, name: str) -> str:
        """The member key for a source's ``plainTextPath`` (see the module docstring)."""
        raw = text_path.strip()
        if raw.lower().startswith("internal://"):
            relative = raw[len("internal://"):]
        elif "://" in raw or raw.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", raw):
            raise _refi.RefiError(
                f"{where}: source {name!r} keeps its text outside the archive ({text_path}); "
                "only sources inside the .qdpx can be read. Export the project again with its "
                "sources embedded."
            )
        else:
            relative = raw  # a bare name: resolved inside the archive
        relative = relative.replace("\\", "/").lstrip("/").lower()
        for candidate in (relative, f"sources/{relative}"):
            if candidate in self.infos:
                return candidate
        base = PurePosixPath(relative).name
        matches = [k for k in self.infos if PurePosixPath(k).name == base]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise _refi.RefiError(
                f"{where}: source {name!r} points at {text_path}, and the archive holds several "
                f"files of that name ({', '.join(matches[:5])}); it is ambiguous."
            )
        raise _refi.RefiError(
            f"{where}: source {name!r} points at {text_path}, which is not in the archive."
        )


def _parse_project(data: bytes, where: str) -> etree._Element:
    try:
        defused_et.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise _refi.RefiError(
            f"{where} declares XML entities ({type(exc).__name__}); entity expansion can be "
            "used to attack the reader, so the file is refused."
        ) from exc
    except defused_et.ParseError as exc:
        raise _refi.RefiError(f"{where} is not well-formed XML: {exc}") from exc
    # huge_tree lifts libxml2's depth (256) and text-node (10 MB) limits, which real projects
    # pass; entities were refused above and are neither resolved nor loaded here.
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise _refi.RefiError(f"{where} is not well-formed XML: {exc}") from exc
    errors = _refi._schema_errors(root, "Project.xsd")
    if errors:
        raise _refi.RefiError(
            f"{where} does not follow the REFI-QDA project schema (Project.xsd): "
            + "; ".join(errors)
        )
    return root


def _decode_text(data: bytes, where: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _refi.RefiError(f"{where} is not UTF-8 text ({exc}).") from exc
    return text[1:] if text.startswith("\ufeff") else text


def _guid(value: str | None) -> str:
    return (value or "").strip("{}").lower()


def _refuse_duplicates(root: etree._Element, where: str) -> None:
    q = f"{{{_refi.PROJECT_NS}}}"
    kinds = {
        "source": [f"{q}{k}" for k in ("TextSource", *_MEDIA_SOURCES)],
        "code": [f"{q}Code"],
        "case": [f"{q}Case"],
        "variable": [f"{q}Variable"],
        "user": [f"{q}User"],
    }
    for kind, tags in kinds.items():
        counts = Counter(_guid(e.get("guid")) for tag in tags for e in root.iter(tag))
        repeated = sorted(g for g, n in counts.items() if n > 1)
        if repeated:
            raise _refi.RefiError(
                f"{where}: {len(repeated)} GUID(s) are used by more than one {kind} "
                f"({', '.join(repeated[:3])}); every {kind} needs its own GUID, so the project "
                "is ambiguous and is refused."
            )


def _report_dropped(root: etree._Element, archive: _Archive, where: str) -> None:
    q = f"{{{_refi.PROJECT_NS}}}"
    dropped = []
    for tag, label in (("PictureSource", "picture source(s)"), ("PDFSource", "PDF source(s)"),
                       ("AudioSource", "audio source(s)"), ("VideoSource", "video source(s)"),
                       ("Note", "note(s)"), ("Link", "link(s)"), ("Set", "set(s)"),
                       ("Graph", "graph(s)")):
        n = sum(1 for _ in root.iter(f"{q}{tag}"))
        if n:
            dropped.append(f"{n} {label}")
    source_variables = sum(1 for s in root.iter(f"{q}TextSource")
                           for _ in s.iterfind(f"{q}VariableValue"))
    if source_variables:
        dropped.append(f"{source_variables} variable value(s) attached to sources")
    if archive.media:
        dropped.append(f"{len(archive.media)} media or rich-text file(s) in the archive, not read")
    if dropped:
        _notice(f"{where}: left out (only text sources, cases, case variables, codes and text "
                f"selections are read): {'; '.join(dropped)}.")


def _choose_unit(
    origin: str, raw_sources: list[tuple[str, str, list[tuple[int, int]]]], positions: str
) -> tuple[str, str]:
    """(unit, why) for reading the selections; see the module docstring."""
    if positions != "auto":
        return positions, "as asked"
    if "nvivo" in origin.lower() or _refi.UTF16_ORIGIN.lower() in origin.lower():
        return "utf16", f"the project was written by {origin!r}, which counts UTF-16 units"
    for _, text, spans in raw_sources:
        if not spans:
            continue
        longest = max(end for _, end in spans)
        if len(text) < longest <= utf16_length(text):
            return "utf16", "some selections only fit their text counted in UTF-16 units"
    return "codepoints", "the default"


def read_qdpx(path: str | Path, positions: str = "auto") -> dict[str, pd.DataFrame]:
    """Read a ``.qdpx`` project into the tidy tables described in :data:`refi.TABLE_COLUMNS`.

    In: the project's path; ``positions``: ``"auto"`` (by the writing program, see the module
    docstring), ``"codepoints"`` or ``"utf16"``. Out: the five tables; ids are the objects'
    GUIDs (lower case), offsets are code points of the stored text with ``\\n`` line ends. Codes
    applied to a whole source become a segment covering its text. Raises
    :class:`medlead.refi.RefiError` for anything unsafe, ambiguous or malformed; emits
    :class:`RefiNotice` warnings for content left out and for selections that look misaligned.
    """
    if positions not in ("auto", *POSITION_UNITS):
        raise _refi.RefiError(f"positions {positions!r} is not one of auto, "
                              f"{', '.join(POSITION_UNITS)}.")
    path = Path(path)
    if not path.is_file():
        raise _refi.RefiError(f"{path} does not exist or is not a file.")
    if not zipfile.is_zipfile(path):
        raise _refi.RefiError(
            f"{path} is not a zip archive, so it cannot be a REFI-QDA .qdpx project."
        )
    try:
        with zipfile.ZipFile(path) as zipped:
            return _read(path, _Archive(path, zipped), positions)
    except zipfile.BadZipFile as exc:
        raise _refi.RefiError(f"{path} is a damaged zip archive: {exc}") from exc


def _read(path: Path, archive: _Archive, positions: str) -> dict[str, pd.DataFrame]:
    if "project.qde" not in archive.infos:
        raise _refi.RefiError(
            f"{path} has no project.qde at its top level, so it is not a .qdpx project."
        )
    where = f"{path}!project.qde"
    root = _parse_project(archive.read("project.qde"), where)
    _refuse_duplicates(root, where)
    _report_dropped(root, archive, where)
    ns = {"q": _refi.PROJECT_NS}

    users = {_guid(u.get("guid")): u.get("name") or "" for u in root.iterfind("q:Users/q:User", ns)}
    case_guids = {_guid(c.get("guid")) for c in root.iterfind("q:Cases/q:Case", ns)}

    code_rows = []
    membership_codes: set[str] = set()

    def walk(element: etree._Element, parent: str) -> None:
        for code in element.iterfind("q:Code", ns):
            guid = _guid(code.get("guid"))
            if guid in case_guids and code.find("q:Code", ns) is None:
                membership_codes.add(guid)  # a case's own code: its codings are membership
                continue
            description = code.find("q:Description", ns)
            code_rows.append(
                {
                    "code_id": guid,
                    "name": code.get("name"),
                    "parent": parent,
                    "description": (description.text or "") if description is not None else "",
                    "colour": code.get("color") or "",
                    "codable": code.get("isCodable") in ("true", "1"),
                }
            )
            walk(code, guid)

    codes_element = root.find("q:CodeBook/q:Codes", ns)
    if codes_element is not None:
        walk(codes_element, "")
    code_ids = {row["code_id"] for row in code_rows}

    variable_types = {
        _guid(v.get("guid")): (v.get("name"), v.get("typeOfVariable"))
        for v in root.iterfind("q:Variables/q:Variable", ns)
    }

    # --- sources: text and raw selections first, positions decided for the whole project
    raw_sources = []
    for source in root.iterfind("q:Sources/q:TextSource", ns):
        guid = _guid(source.get("guid"))
        name = source.get("name") or guid
        inline = source.find("q:PlainTextContent", ns)
        text_path = source.get("plainTextPath")
        if inline is not None:
            text = inline.text or ""
        elif text_path:
            member = archive.find_text(text_path, where, name)
            text = _decode_text(archive.read(member), f"{path}!{member}")
        else:
            raise _refi.RefiError(
                f"{where}: source {name!r} has neither text content nor a text path."
            )
        selections = []
        for selection in source.iterfind("q:PlainTextSelection", ns):
            start = int(selection.get("startPosition"))
            end = int(selection.get("endPosition"))
            selections.append((selection, start, end))
        raw_sources.append((source, guid, name, text, selections))

    unit, why = _choose_unit(
        root.get("origin") or "",
        [(g, t, [(s, e) for _, s, e in sel]) for _, g, _, t, sel in raw_sources],
        positions,
    )
    other = "codepoints" if unit == "utf16" else "utf16"
    bad = {unit: 0, other: 0}
    counted = 0

    source_rows, segment_rows = [], []
    members: dict[str, list[str]] = {}
    for source, guid, name, text, selections in raw_sources:
        starts = [s for _, s, _ in selections]
        ends = [e for _, _, e in selections]
        limit = len(text) if unit == "codepoints" else utf16_length(text)
        for selection, start, end in selections:
            if not 0 <= start <= end <= limit:
                unit_name = "characters" if unit == "codepoints" else "UTF-16 units"
                raise _refi.RefiError(
                    f"{where}: selection {selection.get('guid')} in source {name!r} spans "
                    f"{start}-{end}, outside its text of {limit} {unit_name} (positions read in "
                    f"{unit}: {why})."
                    + (" It fits counted in UTF-16 units: read with positions='utf16'."
                       if unit == "codepoints" and end <= utf16_length(text) else "")
                )
        converted = {}
        for reading in (unit, other):
            if reading == "utf16":
                moved, split = utf16_to_codepoints(text, starts + ends)
            else:
                moved, split = starts + ends, 0
            half = len(selections)
            converted[reading] = list(zip(moved[:half], moved[half:], strict=True))
            n_bad, n_counted = misaligned_share(text, converted[reading])
            bad[reading] += n_bad + split
            if reading == unit:
                counted += n_counted
        spans = converted[unit]

        raw_segments = []
        for (selection, _, _), (start, end) in zip(selections, spans, strict=True):
            for coding in selection.iterfind("q:Coding", ns):
                raw_segments.append((selection, coding, start, end))
        for coding in source.iterfind("q:Coding", ns):
            raw_segments.append((source, coding, 0, len(text)))

        offsets = [s[2] for s in raw_segments] + [s[3] for s in raw_segments]
        text, moved = _refi.normalise_newlines(text, offsets)
        half = len(raw_segments)
        for number, (holder, coding, _, _) in enumerate(raw_segments):
            code_ref = _guid(coding.find("q:CodeRef", ns).get("targetGUID"))
            if code_ref in membership_codes:
                members.setdefault(code_ref, []).append(guid)
                continue
            if code_ref not in code_ids:
                raise _refi.RefiError(
                    f"{where}: a coding in source {name!r} refers to unknown code {code_ref}."
                )
            user = _guid(coding.get("creatingUser") or holder.get("creatingUser"))
            start, end = moved[number], moved[half + number]
            segment_rows.append(
                {
                    "source_id": guid,
                    "code_id": code_ref,
                    "start": start,
                    "end": end,
                    "text": text[start:end],
                    "coder": users.get(user, ""),
                }
            )
        source_rows.append({"source_id": guid, "name": name, "text": text})

    if counted and bad[unit] / counted >= MISALIGNED_SHARE and bad[unit] > 2 * bad[other]:
        _notice(
            f"{where}: the coded selections look misaligned when positions are read as {unit} "
            f"({why}): {bad[unit]} of {counted} selection boundaries after the first emoji or "
            f"other character outside the Basic Multilingual Plane fall inside a word, against "
            f"{bad[other]} when read as {other}. Check a few coded segments against the program "
            f"that wrote the project, and read it with positions={other!r} if they are wrong."
        )

    source_ids = {row["source_id"] for row in source_rows}
    case_rows, variable_table = [], []
    for case in root.iterfind("q:Cases/q:Case", ns):
        guid = _guid(case.get("guid"))
        refs = [_guid(r.get("targetGUID")) for r in case.iterfind("q:SourceRef", ns)]
        refs += [r for r in members.get(guid, []) if r not in refs]
        case_rows.append(
            {
                "case_id": guid,
                "name": case.get("name") or "",
                "source_ids": [r for r in dict.fromkeys(refs) if r in source_ids],
            }
        )
        for value in case.iterfind("q:VariableValue", ns):
            ref = _guid(value.find("q:VariableRef", ns).get("targetGUID"))
            if ref not in variable_types:
                raise _refi.RefiError(
                    f"{where}: a VariableValue of case {case.get('name')!r} refers to unknown "
                    f"variable {ref}."
                )
            variable, type_ = variable_types[ref]
            held = [child for child in value if etree.QName(child).localname.endswith("Value")]
            held_text = held[0].text if held else ""
            variable_table.append({"case_id": guid, "variable": variable,
                                   "value": held_text or "", "type": type_})

    columns = _refi.TABLE_COLUMNS
    tables = {
        "sources": pd.DataFrame(source_rows, columns=columns["sources"]),
        "cases": pd.DataFrame(case_rows, columns=columns["cases"]),
        "variables": pd.DataFrame(variable_table, columns=columns["variables"]),
        "codes": pd.DataFrame(code_rows, columns=columns["codes"]),
        "segments": pd.DataFrame(segment_rows, columns=columns["segments"]),
    }
    tables["segments"] = tables["segments"].astype({"start": "int64", "end": "int64"})
    tables["codes"] = tables["codes"].astype({"codable": bool})
    return tables


def tables_to_csv_bytes(tables: dict[str, pd.DataFrame]) -> dict[str, bytes]:
    """Render each table as CSV bytes (UTF-8, ``\\n``); lists of source ids are joined by ``;``."""
    out = {}
    for name, columns in _refi.TABLE_COLUMNS.items():
        table = tables[name][columns].copy()
        if name == "cases":
            table["source_ids"] = table["source_ids"].map(
                lambda ids: ";".join(_refi._source_id_list(ids))
            )
        out[f"{name}.csv"] = table.to_csv(index=False, lineterminator="\n").encode("utf-8")
    return out


def read_tables_csv(folder: str | Path) -> dict[str, pd.DataFrame]:
    """Read the CSV tables written by :func:`import_qdpx` back into DataFrames."""
    folder = Path(folder)
    tables = {}
    for name, columns in _refi.TABLE_COLUMNS.items():
        file = folder / f"{name}.csv"
        if not file.is_file():
            raise _refi.RefiError(f"{file} is missing; run import-qdpx again to write every "
                                  "table.")
        table = pd.read_csv(file, dtype=str, keep_default_na=False)
        missing = [c for c in columns if c not in table.columns]
        if missing:
            raise _refi.RefiError(f"{file} lacks the columns {missing}.")
        tables[name] = table[columns]
    tables["cases"]["source_ids"] = tables["cases"]["source_ids"].map(_refi._source_id_list)
    tables["segments"] = tables["segments"].astype({"start": "int64", "end": "int64"})
    tables["codes"]["codable"] = tables["codes"]["codable"].map(lambda v: v == "True")
    return tables


def import_qdpx(
    path: str | Path, out_dir: str | Path, positions: str = "auto"
) -> dict[str, Path]:
    """Read a ``.qdpx`` and write its tables as CSV files inside ``out_dir``.

    Writes ``sources.csv``, ``cases.csv``, ``variables.csv``, ``codes.csv`` and ``segments.csv``
    (the segment table includes each segment's text). The archive is read and checked in memory
    first; nothing is written if it is refused. Each file is written atomically. Returns the paths.
    ``positions`` is passed to :func:`read_qdpx`.
    """
    tables = read_qdpx(path, positions=positions)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise _refi.RefiError(
            f"{out_dir} exists and is not a folder; choose another output folder."
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for file_name, data in tables_to_csv_bytes(tables).items():
        target = out_dir / file_name
        write_bytes_atomically(target, data)
        written[file_name.removesuffix(".csv")] = target
    return written
