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


def creation_time(created: str | None = None) -> str | None:
    """Return the ``creationDateTime`` to write: ``created``, else ``$SOURCE_DATE_EPOCH``, or None.

    Exports carry no clock time unless asked, so they are byte-identical from run to run. Some
    older QualCoder releases fail on sources without ``creationDateTime``; for them pass a fixed
    time (``2024-11-28T00:00:00Z``) or set ``SOURCE_DATE_EPOCH`` (seconds since 1970, the
    reproducible-builds convention).
    """
    if created:
        try:
            dt.datetime.fromisoformat(created.replace("Z", "+00:00"))
        except ValueError as exc:
            raise RefiError(f"Creation time {created!r} is not an ISO date-time.") from exc
        return created
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            moment = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
        except ValueError as exc:
            raise RefiError(f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number.") from exc
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return None


def project_xml(
    tables: dict[str, pd.DataFrame], project_name: str = "medlead", created: str | None = None
) -> bytes:
    """Return ``project.qde`` for the tables (checked and newline-normalised), as UTF-8 bytes."""
    checked = _check_tables(tables)
    return _project_xml(checked, project_name, creation_time(created))


def _project_xml(t: dict[str, pd.DataFrame], project_name: str, created: str | None) -> bytes:
    ns = f"{{{PROJECT_NS}}}"
    root = etree.Element(f"{ns}Project", nsmap={None: PROJECT_NS})
    root.set("name", project_name)
    root.set("origin", f"medlead {__version__}")

    coders = sorted({_text(c) for c in t["segments"]["coder"]} - {""})
    if coders:
        users = etree.SubElement(root, f"{ns}Users")
        for coder in coders:
            user = etree.SubElement(users, f"{ns}User")
            user.set("guid", stable_guid("user", coder))
            user.set("name", coder)
    if len(t["codes"]):
        codebook = etree.SubElement(root, f"{ns}CodeBook")
        codebook.append(_code_elements(t["codes"], PROJECT_NS))

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
            source.set("name", _text(row.name) or _text(row.source_id))
            source.set("plainTextPath", f"internal://{guid}.txt")
            if created:
                source.set("creationDateTime", created)
            own = t["segments"][t["segments"]["source_id"].map(_text) == _text(row.source_id)]
            for seg in own.itertuples():
                # keyed on GUIDs, so re-exporting imported tables gives the same selection GUIDs
                code_guid = stable_guid("code", _text(seg.code_id))
                key = f"{guid}|{code_guid}|{int(seg.start)}|{int(seg.end)}|{_text(seg.coder)}"
                selection = etree.SubElement(source, f"{ns}PlainTextSelection")
                selection.set("guid", stable_guid("selection", key))
                selection.set("name", f"{int(seg.start)},{int(seg.end)}")
                selection.set("startPosition", str(int(seg.start)))
                selection.set("endPosition", str(int(seg.end)))
                if created:
                    selection.set("creationDateTime", created)
                coder = _text(seg.coder)
                if coder:
                    selection.set("creatingUser", stable_guid("user", coder))
                coding = etree.SubElement(selection, f"{ns}Coding")
                coding.set("guid", stable_guid("coding", key))
                if created:
                    coding.set("creationDateTime", created)
                if coder:
                    coding.set("creatingUser", stable_guid("user", coder))
                etree.SubElement(coding, f"{ns}CodeRef").set(
                    "targetGUID", stable_guid("code", _text(seg.code_id))
                )
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
) -> Path:
    """Write the tables as a REFI-QDA project archive at ``path`` (a ``.qdpx`` file).

    The archive holds ``project.qde`` (validated against Project.xsd before writing) and one
    ``sources/<guid>.txt`` per source (UTF-8, no BOM, ``\\n`` line ends). The file is written to a
    temporary name and moved into place, so a failed export leaves nothing behind. Returns the path.
    ``created`` (ISO date-time) is written as ``creationDateTime``; see :func:`creation_time`.
    Raises :class:`RefiError` when a table is inconsistent (unknown ids, offsets outside a text...).
    """
    checked = _check_tables(tables)
    members = {"project.qde": _project_xml(checked, project_name, creation_time(created))}
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
