"""Exchange coded text with other qualitative-analysis programs through REFI-QDA (QDA-XML 1.0).

A coded corpus is held as five tidy tables (a ``dict`` of DataFrames, see :data:`TABLE_COLUMNS`):

- ``sources``: ``source_id, name, text``: one plain-text document each (one per witness, say);
- ``cases``: ``case_id, name, source_ids``: a case groups sources (``source_ids`` is a list, written
  to CSV as ids joined by ``;``);
- ``variables``: ``case_id, variable, value, type``: case attributes such as group or role;
  ``type`` is one of ``Text, Boolean, Integer, Float, Date, DateTime``; values are kept as text;
- ``codes``: ``code_id, name, parent, description, colour, codable``: the codebook as a tree
  (``parent`` is a code_id or empty);
- ``segments``: ``source_id, code_id, start, end, text, coder``: each coded stretch of text.

:func:`export_qdpx` writes them as a ``.qdpx`` project and :func:`export_qdc` writes the codes as a
``.qdc`` codebook; :func:`read_qdpx` reads a ``.qdpx`` written by this module or by NVivo,
ATLAS.ti, MAXQDA or QualCoder back into the same tables and :func:`import_qdpx` saves them as CSV.

Choices a user of the files should know about:

- **Offsets are 0-based, end-exclusive, counted in Unicode code points** (Python ``str`` indices)
  of the source text as stored: UTF-8 without a byte-order mark, lines ending in ``\\n``. REFI-QDA
  says "characters" without fixing the unit; programs built on UTF-16 strings (.NET, Java,
  JavaScript) count a character outside the Basic Multilingual Plane, such as an emoji, as two.
  Texts with such characters may therefore be offset by one per emoji in those programs.
- Carriage returns are normalised: ``\\r\\n`` and lone ``\\r`` become ``\\n`` on export and on
  import, and every offset is moved to point at the same characters as before.
- **GUIDs are deterministic**: :func:`stable_guid` derives them with ``uuid5`` from the kind of
  object and its id, so exporting the same tables twice gives byte-identical files. An id that is
  already a GUID is kept as it is. Imported tables use GUIDs as ids (other programs give nothing
  else that is stable), so ``read_qdpx(export_qdpx(T))`` equals ``T`` with each id replaced by its
  GUID; tables whose ids are GUIDs already come back unchanged.
- **Import is defensive**: it refuses files that are not zip archives, lack ``project.qde``, hold
  members with absolute or ``..`` paths, members larger than :data:`MAX_MEMBER_BYTES` or compressed
  suspiciously well (zip bombs), XML with entity declarations, XML that fails the schema,
  selections outside their text and sources kept outside the archive. The archive is never
  unpacked to disk: members are read into memory after their names and sizes are checked. Nothing
  is written until everything has been read and checked, and then only inside the output folder.
- **What import leaves out**: picture, PDF, audio and video sources and their selections, notes,
  links, sets and graphs, and variables attached to sources rather than cases (MAXQDA's document
  variables). Only text sources, cases, case variables, codes and text selections are read.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import uuid
import zipfile
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from lxml import etree

from medlead import __version__
from medlead.atomic import write_bytes_atomically
from medlead.refi_positions import codepoints_to_utf16, utf16_length

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas" / "refi-qda"

#: Namespace for :func:`stable_guid` (itself a uuid5 of the package's name, fixed for good).
GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/medlead/refi-qda")

#: Largest uncompressed size accepted for one archive member, and for the whole archive.
MAX_MEMBER_BYTES = 200 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
#: Largest uncompressed/compressed ratio accepted for members over 1 MiB (zip-bomb guard).
MAX_COMPRESSION_RATIO = 200

TABLE_COLUMNS: dict[str, list[str]] = {
    "sources": ["source_id", "name", "text"],
    "cases": ["case_id", "name", "source_ids"],
    "variables": ["case_id", "variable", "value", "type"],
    "codes": ["code_id", "name", "parent", "description", "colour", "codable"],
    "segments": ["source_id", "code_id", "start", "end", "text", "coder"],
}
VARIABLE_TYPES = ("Text", "Boolean", "Integer", "Float", "Date", "DateTime")
_GUID_RE = re.compile(r"^\{?[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\}?$")
_COLOUR_RE = re.compile(r"^#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$")


class RefiError(ValueError):
    """A REFI-QDA file or a table to export is malformed or unsafe.

    The message says what is wrong and where (file, source, code or segment)."""


# --------------------------------------------------------------------------------------------
# helpers shared by export and import


def stable_guid(kind: str, key: str) -> str:
    """Return a GUID for an object of ``kind`` (source, case, code...) with id ``key``.

    If ``key`` already is a GUID it is returned in lower case without braces; otherwise the result
    is ``uuid5(GUID_NAMESPACE, f"{kind}:{key}")``, the same on every run and machine.
    """
    key = str(key)
    if _GUID_RE.match(key):
        return key.strip("{}").lower()
    return str(uuid.uuid5(GUID_NAMESPACE, f"{kind}:{key}"))


def normalise_newlines(text: str, offsets: Iterable[int] = ()) -> tuple[str, list[int]]:
    """Replace ``\\r\\n`` and lone ``\\r`` by ``\\n`` and move ``offsets`` to match.

    Returns the new text and the offsets, each pointing at the same character as before (an
    offset that pointed between ``\\r`` and ``\\n`` moves to just before the ``\\n``).
    """
    offsets = list(offsets)
    if "\r" not in text:
        return text, offsets
    # removed[i] = number of characters dropped before position i of the old text
    removed = [0] * (len(text) + 1)
    pieces = []
    dropped = 0
    for i, char in enumerate(text):
        removed[i] = dropped
        if char == "\r" and i + 1 < len(text) and text[i + 1] == "\n":
            dropped += 1
            continue
        pieces.append("\n" if char == "\r" else char)
    removed[len(text)] = dropped
    return "".join(pieces), [o - removed[o] if 0 <= o <= len(text) else o for o in offsets]


def _schema(name: str) -> etree.XMLSchema:
    path = SCHEMA_DIR / name
    return etree.XMLSchema(etree.parse(str(path)))


def _schema_errors(document: etree._Element, schema_name: str) -> list[str]:
    schema = _schema(schema_name)
    if schema.validate(document):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log][:5]


def _empty(name: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in TABLE_COLUMNS[name]})


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if value is pd.NA:
        return ""
    return str(value)


def _source_id_list(value: object) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    text = _text(value)
    return [part for part in text.split(";") if part] if text else []


# --------------------------------------------------------------------------------------------
# export


def _check_tables(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Fill optional tables/columns, check ids and references; return normalised copies."""
    out: dict[str, pd.DataFrame] = {}
    for name, columns in TABLE_COLUMNS.items():
        table = tables.get(name)
        table = _empty(name) if table is None else table.copy()
        optional = {"text", "coder", "description", "colour", "codable", "parent", "source_ids"}
        for column in columns:
            if column not in table.columns:
                if column not in optional:
                    raise RefiError(f"The {name} table lacks the column {column!r}.")
                table[column] = True if column == "codable" else ""
        out[name] = table[columns].reset_index(drop=True)
    _check_strings(out)
    out["segments"] = _check_offsets(out["segments"])

    for name, key in (("sources", "source_id"), ("cases", "case_id"), ("codes", "code_id")):
        ids = out[name][key].map(_text)
        if (ids == "").any():
            raise RefiError(f"The {name} table has an empty {key}.")
        duplicated = sorted(set(ids[ids.duplicated()]))
        if duplicated:
            raise RefiError(f"The {name} table repeats {key} {duplicated[:5]}; ids must be unique.")

    source_ids = set(out["sources"]["source_id"].map(_text))
    code_ids = set(out["codes"]["code_id"].map(_text))
    case_ids = set(out["cases"]["case_id"].map(_text))
    for row in out["cases"].itertuples():
        unknown = [s for s in _source_id_list(row.source_ids) if s not in source_ids]
        if unknown:
            raise RefiError(f"Case {row.case_id!r} refers to unknown sources {unknown[:5]}.")
    for row in out["codes"].itertuples():
        parent = _text(row.parent)
        if parent and parent not in code_ids:
            raise RefiError(f"Code {row.code_id!r} has an unknown parent {parent!r}.")
        colour = _text(row.colour)
        if colour and not _COLOUR_RE.match(colour):
            raise RefiError(f"Code {row.code_id!r} has colour {colour!r}; use '#RRGGBB'.")
    _check_no_cycles(out["codes"])
    for row in out["variables"].itertuples():
        if _text(row.case_id) not in case_ids:
            raise RefiError(f"Variable {row.variable!r} is set for unknown case {row.case_id!r}.")
        if _text(row.type) not in VARIABLE_TYPES:
            raise RefiError(
                f"Variable {row.variable!r} has type {row.type!r}; use one of {VARIABLE_TYPES}."
            )
    types = out["variables"].groupby("variable")["type"].nunique()
    if (types > 1).any():
        raise RefiError(f"Variables {sorted(types[types > 1].index)} have more than one type.")

    # normalise newlines in texts and move the offsets with them
    texts = {}
    segments = out["segments"]
    for row in out["sources"].itertuples():
        sid = _text(row.source_id)
        mask = segments["source_id"].map(_text) == sid
        offsets = list(segments.loc[mask, "start"].astype(int)) + list(
            segments.loc[mask, "end"].astype(int)
        )
        text, moved = normalise_newlines(_text(row.text), offsets)
        half = len(moved) // 2
        if half:  # a source without coded segments has no offsets to move
            segments.loc[mask, "start"] = moved[:half]
            segments.loc[mask, "end"] = moved[half:]
        texts[sid] = text
    out["sources"]["text"] = out["sources"]["source_id"].map(lambda s: texts[_text(s)])
    for row in segments.itertuples():
        sid, cid = _text(row.source_id), _text(row.code_id)
        if sid not in texts:
            raise RefiError(f"Segment {row.Index} refers to unknown source {sid!r}.")
        if cid not in code_ids:
            raise RefiError(f"Segment {row.Index} refers to unknown code {cid!r}.")
        start, end = int(row.start), int(row.end)
        if not 0 <= start <= end <= len(texts[sid]):
            raise RefiError(
                f"Segment {row.Index} ({start}-{end}) lies outside source {sid!r}, "
                f"which has {len(texts[sid])} characters."
            )
        given = _text(row.text)
        if given and normalise_newlines(given)[0] != texts[sid][start:end]:
            raise RefiError(
                f"Segment {row.Index} text {given[:40]!r} differs from source {sid!r} at "
                f"{start}-{end} ({texts[sid][start:end][:40]!r}); check the offsets."
            )
    out["segments"] = segments
    return out


#: Characters XML 1.0 cannot hold (C0 controls but tab, LF, CR; lone surrogates; U+FFFE/U+FFFF).
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _check_strings(tables: dict[str, pd.DataFrame]) -> None:
    """Refuse any text an XML file cannot hold, naming the table, row and column."""
    for name, table in tables.items():
        for column in table.columns:
            if column in ("source_ids", "start", "end", "codable"):
                continue
            for row, value in table[column].items():
                if not isinstance(value, str):
                    continue
                bad = _INVALID_XML.search(value)
                if bad:
                    char = bad.group()
                    kind = ("a lone surrogate" if "\ud800" <= char <= "\udfff"
                            else "a control character")
                    raise RefiError(
                        f"The {name} table, row {row}, column {column!r}: {kind} "
                        f"(U+{ord(char):04X}) at character {bad.start()} cannot be written to "
                        "REFI-QDA XML; remove it or replace it with a space."
                    )


def _check_offsets(segments: pd.DataFrame) -> pd.DataFrame:
    """Whole-number ``start``/``end`` as int64, refusing missing, fractional or non-numbers."""
    segments = segments.copy()
    for column in ("start", "end"):
        values = segments[column]
        numbers = pd.to_numeric(values, errors="coerce")
        is_bool = values.map(lambda v: isinstance(v, bool))
        missing = numbers.isna() | is_bool
        if missing.any():
            row = missing.idxmax()
            raise RefiError(
                f"The segments table, row {row}: {column} {values[row]!r} is not a number; give "
                "a whole-number character offset."
            )
        fractional = numbers != numbers.round()
        if fractional.any():
            row = fractional.idxmax()
            raise RefiError(
                f"The segments table, row {row}: {column} {values[row]!r} is not a whole number; "
                "offsets count characters."
            )
        segments[column] = numbers.astype("int64")
    return segments


def safe_source_name(name: str) -> str:
    """A source name other programs can use as a file name (QualCoder copies to it).

    ``/ \\ : * ? " < > |`` become ``-``, and leading or trailing dots and spaces are dropped;
    other characters are kept. An empty result becomes ``source``.
    """
    cleaned = re.sub(r'[/\\:*?"<>|]', "-", name).strip(" .")
    return cleaned or "source"


def _check_no_cycles(codes: pd.DataFrame) -> None:
    parent = {_text(r.code_id): _text(r.parent) for r in codes.itertuples()}
    for start in parent:
        seen = {start}
        node = parent[start]
        while node:
            if node in seen:
                raise RefiError(f"The code hierarchy has a cycle through {start!r}.")
            seen.add(node)
            node = parent.get(node, "")


def _code_elements(codes: pd.DataFrame, namespace: str) -> etree._Element:
    """Build ``<Codes>`` with nested ``<Code>`` elements, children in table order."""
    ns = f"{{{namespace}}}"
    container = etree.Element(f"{ns}Codes")
    elements: dict[str, etree._Element] = {}
    children: dict[str, list] = {}
    for row in codes.itertuples():
        children.setdefault(_text(row.parent), []).append(row)

    def add(parent_element: etree._Element, parent_id: str) -> None:
        for row in children.get(parent_id, []):
            code_id = _text(row.code_id)
            element = etree.SubElement(parent_element, f"{ns}Code")
            element.set("guid", stable_guid("code", code_id))
            element.set("name", _text(row.name) or code_id)
            codable = row.codable
            codable = True if _text(codable) == "" else str(codable).lower() in ("true", "1")
            element.set("isCodable", "true" if codable else "false")
            if _text(row.colour):
                element.set("color", _text(row.colour))
            if _text(row.description):
                etree.SubElement(element, f"{ns}Description").text = _text(row.description)
            elements[code_id] = element
            add(element, code_id)

    add(container, "")
    return container


def _serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


#: ``creationDateTime`` written when no time is given: fixed (the zip members' date too), so
#: exports are byte-identical from run to run. Some QualCoder releases (up to 3.6) fail on a
#: project without ``creationDateTime``, so one is always written.
DEFAULT_CREATED = "1980-01-01T00:00:00Z"
#: ``xs:dateTime`` as the REFI-QDA schema takes it: ``YYYY-MM-DDThh:mm:ss[.fff][Z|±hh:mm]``.
_XS_DATETIME = re.compile(
    r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$"
)


def creation_time(created: str | None = None) -> str:
    """Return the ``creationDateTime`` to write: ``created``, else ``$SOURCE_DATE_EPOCH``, else
    :data:`DEFAULT_CREATED`.

    ``created`` must be an ``xs:dateTime`` (``2024-11-28T00:00:00Z``; a space instead of ``T``
    is refused, as the schema refuses it). ``SOURCE_DATE_EPOCH`` is seconds since 1970 (the
    reproducible-builds convention).
    """
    if created is not None:
        valid = bool(_XS_DATETIME.match(created))
        if valid:
            try:
                dt.datetime.fromisoformat(created.replace("Z", "+00:00"))
            except ValueError:
                valid = False
        if not valid:
            raise RefiError(
                f"Creation time {created!r} is not an ISO date-time as REFI-QDA takes it "
                "(xs:dateTime): write it like 2024-11-28T00:00:00Z."
            )
        return created
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            moment = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
        except (ValueError, OverflowError, OSError) as exc:
            raise RefiError(f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds.") \
                from exc
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return DEFAULT_CREATED


#: How :func:`export_qdpx` can count positions (see :mod:`medlead.refi_positions`).
EXPORT_POSITIONS = ("codepoints", "utf16")
#: Marker in ``origin`` of a project written with UTF-16 positions (read back as such).
UTF16_ORIGIN = "UTF-16 positions"


def project_xml(
    tables: dict[str, pd.DataFrame],
    project_name: str = "medlead",
    created: str | None = None,
    positions: str = "codepoints",
    case_codes: bool = True,
) -> bytes:
    """Return ``project.qde`` for the tables (checked and newline-normalised), as UTF-8 bytes.

    See :func:`export_qdpx` for ``created``, ``positions`` and ``case_codes``.
    """
    checked = _check_tables(tables)
    return _project_xml(checked, project_name, creation_time(created), positions, case_codes)


def _project_xml(
    t: dict[str, pd.DataFrame],
    project_name: str,
    created: str,
    positions: str = "codepoints",
    case_codes: bool = True,
) -> bytes:
    if positions not in EXPORT_POSITIONS:
        raise RefiError(f"positions {positions!r} is not one of {', '.join(EXPORT_POSITIONS)}.")
    ns = f"{{{PROJECT_NS}}}"
    root = etree.Element(f"{ns}Project", nsmap={None: PROJECT_NS})
    root.set("name", project_name)
    origin = f"medlead {__version__}"
    root.set("origin", origin + (f"; {UTF16_ORIGIN}" if positions == "utf16" else ""))
    root.set("creationDateTime", created)
    texts = dict(zip(t["sources"]["source_id"].map(_text), t["sources"]["text"], strict=True))
    members_of = {
        _text(row.case_id): _source_id_list(row.source_ids) for row in t["cases"].itertuples()
    }

    coders = sorted({_text(c) for c in t["segments"]["coder"]} - {""})
    if coders:
        users = etree.SubElement(root, f"{ns}Users")
        for coder in coders:
            user = etree.SubElement(users, f"{ns}User")
            user.set("guid", stable_guid("user", coder))
            user.set("name", coder)
    with_members = [row for row in t["cases"].itertuples()
                    if case_codes and members_of[_text(row.case_id)]]
    if len(t["codes"]) or with_members:
        codebook = etree.SubElement(root, f"{ns}CodeBook")
        codes_element = _code_elements(t["codes"], PROJECT_NS)
        for row in with_members:
            # QualCoder links a case to its documents only through a code sharing the case's
            # GUID whose codings cover them (NVivo's design); it then turns those codings into
            # the case's text and drops the code. medlead.refi_import reads them back the same way.
            code = etree.SubElement(codes_element, f"{ns}Code")
            code.set("guid", stable_guid("case", _text(row.case_id)))
            code.set("name", f"Case: {_text(row.name) or _text(row.case_id)}")
            code.set("isCodable", "true")
        codebook.append(codes_element)

    variable_types = dict(zip(t["variables"]["variable"], t["variables"]["type"], strict=True))
    if variable_types:
        variables = etree.SubElement(root, f"{ns}Variables")
        for name in dict.fromkeys(t["variables"]["variable"]):
            variable = etree.SubElement(variables, f"{ns}Variable")
            variable.set("guid", stable_guid("variable", name))
            variable.set("name", str(name))
            variable.set("typeOfVariable", variable_types[name])
    if len(t["cases"]):
        cases = etree.SubElement(root, f"{ns}Cases")
        for row in t["cases"].itertuples():
            case = etree.SubElement(cases, f"{ns}Case")
            case.set("guid", stable_guid("case", _text(row.case_id)))
            case.set("name", _text(row.name))
            values = t["variables"][t["variables"]["case_id"].map(_text) == _text(row.case_id)]
            for value in values.itertuples():
                element = etree.SubElement(case, f"{ns}VariableValue")
                etree.SubElement(element, f"{ns}VariableRef").set(
                    "targetGUID", stable_guid("variable", value.variable)
                )
                etree.SubElement(element, f"{ns}{value.type}Value").text = _text(value.value)
            for source_id in _source_id_list(row.source_ids):
                etree.SubElement(case, f"{ns}SourceRef").set(
                    "targetGUID", stable_guid("source", source_id)
                )
    if len(t["sources"]):
        sources = etree.SubElement(root, f"{ns}Sources")
        for row in t["sources"].itertuples():
            guid = stable_guid("source", _text(row.source_id))
            source = etree.SubElement(sources, f"{ns}TextSource")
            source.set("guid", guid)
            source.set("name", safe_source_name(_text(row.name) or _text(row.source_id)))
            source.set("plainTextPath", f"internal://{guid}.txt")
            source.set("creationDateTime", created)
            text = _text(texts[_text(row.source_id)])
            own = t["segments"][t["segments"]["source_id"].map(_text) == _text(row.source_id)]
            starts, ends = list(own["start"].astype(int)), list(own["end"].astype(int))
            if positions == "utf16":
                starts = codepoints_to_utf16(text, starts)
                ends = codepoints_to_utf16(text, ends)
            for seg, start, end in zip(own.itertuples(), starts, ends, strict=True):
                # keyed on GUIDs, so re-exporting imported tables gives the same selection GUIDs
                code_guid = stable_guid("code", _text(seg.code_id))
                key = f"{guid}|{code_guid}|{int(seg.start)}|{int(seg.end)}|{_text(seg.coder)}"
                selection = etree.SubElement(source, f"{ns}PlainTextSelection")
                selection.set("guid", stable_guid("selection", key))
                selection.set("name", f"{start},{end}")
                selection.set("startPosition", str(start))
                selection.set("endPosition", str(end))
                selection.set("creationDateTime", created)
                coder = _text(seg.coder)
                if coder:
                    selection.set("creatingUser", stable_guid("user", coder))
                coding = etree.SubElement(selection, f"{ns}Coding")
                coding.set("guid", stable_guid("coding", key))
                coding.set("creationDateTime", created)
                if coder:
                    coding.set("creatingUser", stable_guid("user", coder))
                etree.SubElement(coding, f"{ns}CodeRef").set(
                    "targetGUID", stable_guid("code", _text(seg.code_id))
                )
            for case in with_members:
                if _text(row.source_id) not in members_of[_text(case.case_id)]:
                    continue
                case_guid = stable_guid("case", _text(case.case_id))
                end = utf16_length(text) if positions == "utf16" else len(text)
                selection = etree.SubElement(source, f"{ns}PlainTextSelection")
                selection.set("guid", stable_guid("case-selection", f"{case_guid}|{guid}"))
                selection.set("name", f"Case: {_text(case.name) or _text(case.case_id)}")
                selection.set("startPosition", "0")
                selection.set("endPosition", str(end))
                selection.set("creationDateTime", created)
                coding = etree.SubElement(selection, f"{ns}Coding")
                coding.set("guid", stable_guid("case-coding", f"{case_guid}|{guid}"))
                coding.set("creationDateTime", created)
                etree.SubElement(coding, f"{ns}CodeRef").set("targetGUID", case_guid)
    errors = _schema_errors(root, "Project.xsd")
    if errors:  # a bug here, not bad input: the tables were checked above
        raise RefiError(
            "The project.qde built from the tables fails Project.xsd: " + "; ".join(errors)
        )
    return _serialise(root)



def _zip_bytes(members: dict[str, bytes]) -> bytes:
    """Zip ``members`` deterministically: sorted names, fixed dates and permissions."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(members, key=lambda n: (n != "project.qde", n)):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            archive.writestr(info, members[name])
    return buffer.getvalue()


def export_qdpx(
    tables: dict[str, pd.DataFrame],
    path: str | Path,
    project_name: str = "medlead",
    created: str | None = None,
    positions: str = "codepoints",
    case_codes: bool = True,
) -> Path:
    """Write the tables as a REFI-QDA project archive at ``path`` (a ``.qdpx`` file).

    The archive holds ``project.qde`` (validated against Project.xsd before writing) and one
    ``sources/<guid>.txt`` per source (UTF-8, no BOM, ``\\n`` line ends). The file is written to a
    temporary name and moved into place, so a failed export leaves nothing behind. Returns the path.

    ``created`` (an ``xs:dateTime``) is written as ``creationDateTime`` on the project, sources,
    selections and codings; without it :func:`creation_time` gives ``$SOURCE_DATE_EPOCH`` or the
    fixed :data:`DEFAULT_CREATED`. ``positions="utf16"`` writes offsets in UTF-16 code units, as
    NVivo counts them (and marks the project's ``origin`` so this package reads them back right).
    ``case_codes`` (default true) also writes, for each case with sources, a code sharing the
    case's GUID that codes each of its sources whole: that is how QualCoder (and NVivo) tie a case
    to its documents, and this package reads it back as membership, not as a code. Source names
    are made safe as file names (:func:`safe_source_name`).

    Raises :class:`RefiError` when a table is inconsistent (unknown ids, offsets outside a text,
    offsets that are not whole numbers, text XML cannot hold), naming the table and row.
    """
    checked = _check_tables(tables)
    members = {"project.qde": _project_xml(checked, project_name, creation_time(created),
                                           positions, case_codes)}
    for row in checked["sources"].itertuples():
        guid = stable_guid("source", _text(row.source_id))
        members[f"sources/{guid}.txt"] = _text(row.text).encode("utf-8")
    path = Path(path)
    write_bytes_atomically(path, _zip_bytes(members))
    return path


def codebook_xml(codes: pd.DataFrame, origin: str | None = None) -> bytes:
    """Return a REFI-QDA ``.qdc`` codebook for the ``codes`` table (checked with Codebook.xsd)."""
    checked = _check_tables({"codes": codes})["codes"]
    if checked.empty:
        raise RefiError("The codes table is empty; a codebook needs at least one code.")
    root = etree.Element(f"{{{CODEBOOK_NS}}}CodeBook", nsmap={None: CODEBOOK_NS})
    root.set("origin", origin or f"medlead {__version__}")
    root.append(_code_elements(checked, CODEBOOK_NS))
    errors = _schema_errors(root, "Codebook.xsd")
    if errors:
        raise RefiError(
            "The codebook built from the codes fails Codebook.xsd: " + "; ".join(errors)
        )
    return _serialise(root)


def export_qdc(codes: pd.DataFrame, path: str | Path) -> Path:
    """Write the ``codes`` table as a ``.qdc`` codebook file (atomically); return the path."""
    path = Path(path)
    write_bytes_atomically(path, codebook_xml(codes))
    return path


# --------------------------------------------------------------------------------------------
# import: in medlead.refi_import (re-exported here; imported last, it uses the names above)

from medlead.refi_import import (  # noqa: E402, F401 - re-exported
    RefiNotice,
    import_qdpx,
    read_qdpx,
    read_tables_csv,
    tables_to_csv_bytes,
)
