"""Tests for medlead.refi: REFI-QDA export, import, schema validity and refusal of hostile files."""

import io
import warnings
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from lxml import etree

from medlead import refi
from medlead.refi import RefiError, stable_guid

SCHEMAS = Path(refi.__file__).parent / "schemas" / "refi-qda"
SHARED_SCHEMAS = Path(__file__).resolve().parents[1] / ".." / "shared" / "reference" / "refi-qda"

TEXT_A = "Café culture: the clinical director 😀 spoke.\r\nManagers listened; Núñez agreed."
TEXT_B = "Doctors and managers met weekly."


def fixture_tables() -> dict[str, pd.DataFrame]:
    """A tiny coded corpus with accents, an emoji, CRLF line ends, nested codes, two coders."""
    return {
        "sources": pd.DataFrame(
            {"source_id": ["w1", "w2"], "name": ["Dr Ana Núñez", "Mr Bo"], "text": [TEXT_A, TEXT_B]}
        ),
        "cases": pd.DataFrame(
            {"case_id": ["c1", "c2"], "name": ["Ana", "Bo"], "source_ids": [["w1"], ["w2"]]}
        ),
        "variables": pd.DataFrame(
            {
                "case_id": ["c1", "c1", "c2", "c2"],
                "variable": ["group", "days", "group", "days"],
                "value": ["clinician", "2", "manager", "1"],
                "type": ["Text", "Integer", "Text", "Integer"],
            }
        ),
        "codes": pd.DataFrame(
            {
                "code_id": ["hybrid", "hybrid.director", "relations"],
                "name": ["Hybrid roles", "Clinical director", "Doctor–manager relations"],
                "parent": ["", "hybrid", ""],
                "description": ["Theme.", "Doctors in management posts.", "Working together."],
                "colour": ["#E69F00", "", "#56B4E9"],
                "codable": [False, True, True],
            }
        ),
        "segments": pd.DataFrame(
            {
                "source_id": ["w1", "w1", "w2"],
                "code_id": ["hybrid.director", "relations", "relations"],
                # offsets into TEXT_A as given (with \r\n): "clinical director", "Managers listened"
                "start": [TEXT_A.index("clinical"), TEXT_A.index("Managers"), 0],
                "end": [
                    TEXT_A.index("clinical") + len("clinical director"),
                    TEXT_A.index("Managers") + len("Managers listened"),
                    len("Doctors and managers"),
                ],
                "coder": ["assisted", "manual", "manual"],
            }
        ),
    }


def _expected_after_import(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """What read_qdpx should give: ids mapped to GUIDs, CRLF normalised, segment text filled."""
    t = {k: v.copy() for k, v in tables.items()}
    t["sources"]["text"] = t["sources"]["text"].str.replace("\r\n", "\n")
    t["sources"]["source_id"] = t["sources"]["source_id"].map(lambda s: stable_guid("source", s))
    t["cases"]["case_id"] = t["cases"]["case_id"].map(lambda s: stable_guid("case", s))
    t["cases"]["source_ids"] = t["cases"]["source_ids"].map(
        lambda ids: [stable_guid("source", s) for s in ids]
    )
    t["variables"]["case_id"] = t["variables"]["case_id"].map(lambda s: stable_guid("case", s))
    for column in ("code_id", "parent"):
        t["codes"][column] = t["codes"][column].map(lambda s: stable_guid("code", s) if s else "")
    seg = t["segments"]
    # the CRLF before "Managers" is one character shorter after normalisation
    shift = seg["source_id"].eq("w1") & (seg["start"] > TEXT_A.index("\r"))
    seg.loc[shift, ["start", "end"]] -= 1
    seg["source_id"] = seg["source_id"].map(lambda s: stable_guid("source", s))
    seg["code_id"] = seg["code_id"].map(lambda s: stable_guid("code", s))
    texts = dict(zip(t["sources"]["source_id"], t["sources"]["text"], strict=True))
    seg["text"] = [texts[s][a:b] for s, a, b in zip(seg.source_id, seg.start, seg.end, strict=True)]
    t["segments"] = seg[refi.TABLE_COLUMNS["segments"]]
    return t


def _assert_tables_equal(left, right):
    for name, columns in refi.TABLE_COLUMNS.items():
        a = left[name][columns].reset_index(drop=True)
        b = right[name][columns].reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, check_dtype=False, obj=name)


# ------------------------------------------------------------------------------ export


def test_export_is_schema_valid_and_texts_are_utf8_with_lf(tmp_path):
    path = refi.export_qdpx(fixture_tables(), tmp_path / "out.qdpx")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        qde = archive.read("project.qde")
        texts = {n: archive.read(n) for n in names if n.startswith("sources/")}
    assert names[0] == "project.qde" and len(texts) == 2
    # The bundled copy always; the project's reference copy too where it sits beside the repository.
    for schema_dir in [d for d in (SCHEMAS, SHARED_SCHEMAS) if d.is_dir()]:
        schema = etree.XMLSchema(etree.parse(str(schema_dir / "Project.xsd")))
        assert schema.validate(etree.fromstring(qde)), schema.error_log
    guid = stable_guid("source", "w1")
    stored = texts[f"sources/{guid}.txt"]
    assert not stored.startswith(b"\xef\xbb\xbf") and b"\r" not in stored
    assert stored.decode("utf-8") == TEXT_A.replace("\r\n", "\n")
    assert f'plainTextPath="internal://{guid}.txt"'.encode() in qde


def test_offsets_are_code_points_and_point_at_the_coded_words(tmp_path):
    path = refi.export_qdpx(fixture_tables(), tmp_path / "out.qdpx", case_codes=False)
    root = etree.fromstring(zipfile.ZipFile(path).read("project.qde"))
    ns = {"q": refi.PROJECT_NS}
    text = TEXT_A.replace("\r\n", "\n")
    source = root.find(f"q:Sources/q:TextSource[@guid='{stable_guid('source', 'w1')}']", ns)
    spans = [
        text[int(s.get("startPosition")) : int(s.get("endPosition"))]
        for s in source.iterfind("q:PlainTextSelection", ns)
    ]
    assert spans == ["clinical director", "Managers listened"]
    # the emoji sits before the second span and counts as ONE character (a code point)
    assert int(source[1].get("startPosition")) == text.index("Managers")


def test_export_is_byte_identical_for_the_same_input(tmp_path):
    first = refi.export_qdpx(fixture_tables(), tmp_path / "a.qdpx").read_bytes()
    second = refi.export_qdpx(fixture_tables(), tmp_path / "b.qdpx").read_bytes()
    assert first == second
    assert stable_guid("code", "x") == stable_guid("code", "x") != stable_guid("source", "x")


def test_round_trip_gives_back_the_same_tables(tmp_path):
    tables = fixture_tables()
    path = refi.export_qdpx(tables, tmp_path / "out.qdpx")
    _assert_tables_equal(refi.read_qdpx(path), _expected_after_import(tables))
    # tables that already use GUIDs come back exactly, and re-export gives the same bytes
    again = refi.export_qdpx(refi.read_qdpx(path), tmp_path / "again.qdpx")
    _assert_tables_equal(refi.read_qdpx(again), refi.read_qdpx(path))
    assert again.read_bytes() == path.read_bytes()


def test_import_writes_csv_tables_that_read_back_equal(tmp_path):
    path = refi.export_qdpx(fixture_tables(), tmp_path / "out.qdpx")
    written = refi.import_qdpx(path, tmp_path / "tables")
    assert sorted(written) == ["cases", "codes", "segments", "sources", "variables"]
    assert sorted(p.name for p in (tmp_path / "tables").iterdir()) == [
        "cases.csv",
        "codes.csv",
        "segments.csv",
        "sources.csv",
        "variables.csv",
    ]
    _assert_tables_equal(refi.read_tables_csv(tmp_path / "tables"), refi.read_qdpx(path))
    segments = pd.read_csv(tmp_path / "tables" / "segments.csv")
    assert list(segments["text"]) == [
        "clinical director",
        "Managers listened",
        "Doctors and managers",
    ]


def test_codebook_qdc_validates_and_nests_codes(tmp_path):
    path = refi.export_qdc(fixture_tables()["codes"], tmp_path / "codes.qdc")
    document = etree.parse(str(path))
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "Codebook.xsd")))
    assert schema.validate(document), schema.error_log
    ns = {"c": refi.CODEBOOK_NS}
    child = document.find("c:Codes/c:Code/c:Code", ns)
    assert child.get("name") == "Clinical director"
    assert child.find("c:Description", ns).text == "Doctors in management posts."


@pytest.mark.parametrize(
    ("table", "change", "message"),
    [
        ("codes", lambda t: t.assign(parent=["", "nowhere", ""]), "unknown parent"),
        ("codes", lambda t: t.assign(parent=["relations", "hybrid", "hybrid"]), "cycle"),
        ("codes", lambda t: t.assign(code_id=["a", "a", "b"], parent=""), "repeats code_id"),
        ("segments", lambda t: t.assign(end=[10, 10, 999]), "outside source"),
        ("segments", lambda t: t.assign(text=["nope", "", ""]), "differs from source"),
        ("segments", lambda t: t.assign(code_id="ghost"), "unknown code"),
        ("variables", lambda t: t.assign(type="Colour"), "has type"),
        ("cases", lambda t: t.assign(source_ids=[["w9"], []]), "unknown sources"),
    ],
)
def test_export_refuses_inconsistent_tables_and_writes_nothing(tmp_path, table, change, message):
    tables = fixture_tables()
    tables[table] = change(tables[table])
    with pytest.raises(RefiError, match=message):
        refi.export_qdpx(tables, tmp_path / "out.qdpx")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------ variants


def _zip(members: dict[str, bytes | str], path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    return path


SRC = "1B2C3D4E-0000-4000-8000-00000000000A"
CODE = "1B2C3D4E-0000-4000-8000-00000000000B"
USER = "1B2C3D4E-0000-4000-8000-00000000000C"


def _foreign_project(source_xml: str, extra: str = "") -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Interviews" origin="QualCoder 3.5">
 <Users><User guid="{USER}" name="Ines"/></Users>
 <CodeBook><Codes><Code guid="{CODE}" name="voice" isCodable="true"/></Codes></CodeBook>
 {extra}
 <Sources>{source_xml}</Sources>
</Project>"""


def test_reads_qualcoder_style_uppercase_folder_guid_braces_and_bom(tmp_path):
    source = (
        f'<TextSource guid="{{{SRC}}}" name="Anna" plainTextPath="internal://{SRC}.txt" '
        f'richTextPath="internal://{SRC}.docx" creatingUser="{USER}">'
        f'<PlainTextSelection guid="{SRC[:-1]}1" startPosition="7" endPosition="12" '
        f'creatingUser="{USER}"><Coding guid="{SRC[:-1]}2"><CodeRef targetGUID="{CODE}"/>'
        "</Coding></PlainTextSelection></TextSource>"
    )
    path = _zip(
        {
            "project.qde": _foreign_project(source),
            f"Sources/{SRC}.txt": "\ufeffWe had voice here.\r\n",
        },
        tmp_path / "qualcoder.qdpx",
    )
    tables = refi.read_qdpx(path)
    assert tables["sources"]["text"].tolist() == ["We had voice here.\n"]
    assert tables["sources"]["source_id"].tolist() == [SRC.lower()]
    segment = tables["segments"].iloc[0]
    assert (segment.text, segment.coder, segment.code_id) == ("voice", "Ines", CODE.lower())


def test_reads_inline_text_whole_source_coding_and_absent_optional_attributes(tmp_path):
    source = (
        f'<TextSource guid="{SRC}"><PlainTextContent>Short inline text.</PlainTextContent>'
        f'<Coding guid="{SRC[:-1]}3"><CodeRef targetGUID="{CODE}"/></Coding></TextSource>'
    )
    cases = (
        f'<Variables><Variable guid="{USER[:-1]}D" name="role" typeOfVariable="Text"/></Variables>'
        f'<Cases><Case guid="{USER[:-1]}E"><VariableValue><VariableRef targetGUID="{USER[:-1]}D"/>'
        "<TextValue>nurse</TextValue></VariableValue>"
        f'<SourceRef targetGUID="{SRC}"/></Case></Cases>'
    )
    path = _zip({"project.qde": _foreign_project(source, cases)}, tmp_path / "nvivo.qdpx")
    tables = refi.read_qdpx(path)
    assert tables["sources"].iloc[0]["name"] == SRC.lower()  # no name: the GUID stands in
    segment = tables["segments"].iloc[0]
    assert (segment.start, segment.end, segment.text, segment.coder) == (
        0,
        18,
        "Short inline text.",
        "",
    )
    assert tables["variables"].to_dict("records") == [
        {"case_id": USER[:-1].lower() + "e", "variable": "role", "value": "nurse", "type": "Text"}
    ]
    assert tables["cases"].iloc[0]["source_ids"] == [SRC.lower()]


# ------------------------------------------------------------------------------ hostile files


def _valid_members(tmp_path) -> dict[str, bytes]:
    path = refi.export_qdpx(fixture_tables(), tmp_path / "good.qdpx")
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n) for n in archive.namelist()}


def _assert_refused(tmp_path, path, message):
    out = tmp_path / "out"
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(RefiError, match=message):
        refi.import_qdpx(path, out)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_refuses_a_file_that_is_not_a_zip(tmp_path):
    path = tmp_path / "fake.qdpx"
    path.write_text("<Project/>", encoding="utf-8")
    _assert_refused(tmp_path, path, "not a zip archive")


def test_refuses_an_archive_without_project_qde(tmp_path):
    path = _zip({"sources/a.txt": "text"}, tmp_path / "empty.qdpx")
    _assert_refused(tmp_path, path, "no project.qde")


def test_refuses_a_project_that_fails_the_schema(tmp_path):
    members = _valid_members(tmp_path)
    members["project.qde"] = (
        members["project.qde"].replace(b"<Users>", b"<Userz>").replace(b"</Users>", b"</Userz>")
    )
    path = _zip(members, tmp_path / "bad.qdpx")
    _assert_refused(tmp_path, path, "does not follow the REFI-QDA project schema")


def test_refuses_offsets_outside_the_text(tmp_path):
    members = _valid_members(tmp_path)
    members["project.qde"] = members["project.qde"].replace(
        b'endPosition="20"', b'endPosition="2000"'
    )
    assert b'endPosition="2000"' in members["project.qde"]
    path = _zip(members, tmp_path / "offsets.qdpx")
    _assert_refused(tmp_path, path, "outside its text")


def test_refuses_entity_expansion(tmp_path):
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE Project [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
        '<Project xmlns="urn:QDA-XML:project:1.0" name="&b;"/>'
    )
    path = _zip({"project.qde": bomb}, tmp_path / "bomb.qdpx")
    _assert_refused(tmp_path, path, "declares XML entities")


@pytest.mark.parametrize(
    "name", ["/etc/evil.txt", "../evil.txt", "sources/../../evil.txt", "C:/x.txt"]
)
def test_refuses_members_with_absolute_or_parent_paths(tmp_path, name):
    members = _valid_members(tmp_path)
    members[name] = b"evil"
    path = _zip(members, tmp_path / "slip.qdpx")
    _assert_refused(tmp_path, path, "absolute or '..' path")
    assert not (tmp_path.parent / "evil.txt").exists()


def test_refuses_members_that_unpack_too_large_or_too_well(tmp_path, monkeypatch):
    members = _valid_members(tmp_path)
    members["sources/zeros.txt"] = b"\0" * (4 * 1024 * 1024)  # compresses about 1000 to 1
    bomb = _zip(members, tmp_path / "ratio.qdpx")
    _assert_refused(tmp_path, bomb, "zip bomb")
    monkeypatch.setattr(refi, "MAX_MEMBER_BYTES", 50)
    good = refi.export_qdpx(fixture_tables(), tmp_path / "big.qdpx")
    _assert_refused(tmp_path, good, "more than the limit")


def test_refuses_sources_outside_the_archive(tmp_path):
    source = f'<TextSource guid="{SRC}" name="x" plainTextPath="file:///etc/passwd"/>'
    path = _zip({"project.qde": _foreign_project(source)}, tmp_path / "ext.qdpx")
    _assert_refused(tmp_path, path, "outside the archive")
    source = f'<TextSource guid="{SRC}" name="x" plainTextPath="internal://missing.txt"/>'
    path = _zip({"project.qde": _foreign_project(source)}, tmp_path / "missing.qdpx")
    _assert_refused(tmp_path, path, "not in the archive")


def test_normalise_newlines_moves_offsets_to_the_same_characters():
    text = "ab\r\ncd\ref"
    new, offsets = refi.normalise_newlines(text, [0, 4, 5, 7, len(text)])
    assert new == "ab\ncd\nef"
    assert [new[o] for o in offsets[:4]] == [text[0], text[4], text[5], text[7]]
    assert offsets[-1] == len(new)


def test_zip_member_bytes_helper_is_deterministic():
    data = refi._zip_bytes({"b.txt": b"1", "project.qde": b"2"})
    assert zipfile.ZipFile(io.BytesIO(data)).namelist() == ["project.qde", "b.txt"]
    assert data == refi._zip_bytes({"project.qde": b"2", "b.txt": b"1"})


def test_refuses_members_whose_names_differ_only_in_case(tmp_path):
    members = _valid_members(tmp_path)
    name = next(n for n in members if n.startswith("sources/"))
    members[name.replace("sources/", "Sources/")] = b"other text"
    path = _zip(members, tmp_path / "case.qdpx")
    _assert_refused(tmp_path, path, "ignoring case")


def test_creation_time_always_written_deterministic_and_schema_valid(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    plain = refi.export_qdpx(fixture_tables(), tmp_path / "plain.qdpx")
    qde = zipfile.ZipFile(plain).read("project.qde")
    root = etree.fromstring(qde)
    q = f"{{{refi.PROJECT_NS}}}"
    stamped = [e for tag in ("TextSource", "PlainTextSelection", "Coding")
               for e in root.iter(q + tag)]
    assert stamped and {e.get("creationDateTime") for e in stamped} == {refi.DEFAULT_CREATED}
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1732752000")
    dated = refi.export_qdpx(fixture_tables(), tmp_path / "dated.qdpx")
    qde = zipfile.ZipFile(dated).read("project.qde")
    assert b'creationDateTime="2024-11-28T00:00:00Z"' in qde
    assert b'creationDateTime="1980' not in qde
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "Project.xsd")))
    assert schema.validate(etree.fromstring(qde)), schema.error_log
    _assert_tables_equal(refi.read_qdpx(dated), refi.read_qdpx(plain))
    for bad in ("yesterday", "2024-11-28 00:00", "2024-11-28T00:00", "2024-02-30T00:00:00Z"):
        with pytest.raises(RefiError, match="not an ISO date-time as REFI-QDA takes it"):
            refi.export_qdpx(fixture_tables(), tmp_path / "bad.qdpx", created=bad)
    assert not (tmp_path / "bad.qdpx").exists()


def test_exports_a_source_without_any_coded_selection(tmp_path):
    tables = fixture_tables()
    tables["sources"] = pd.concat(
        [
            tables["sources"],
            pd.DataFrame({"source_id": ["w3"], "name": ["C"], "text": ["Un\r\ncoded."]}),
        ],
        ignore_index=True,
    )
    path = refi.export_qdpx(tables, tmp_path / "out.qdpx")
    back = refi.read_qdpx(path)
    assert back["sources"]["text"].tolist()[-1] == "Un\ncoded."
    assert len(back["segments"]) == 3


# ------------------------------------------------------------------------------ writers' units
# Minimal reproductions (written here, not exported by the programs named): projects shaped like
# those NVivo, ATLAS.ti and QualCoder write, to pin down how each writer counts positions.

EMOJI_TEXT = "Board 😀 met.\nThe clinical director 🙂 spoke to managers on Monday."


def _utf16(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le")) // 2


def _project_with_selections(origin: str, spans: list[tuple[int, int]], text: str = EMOJI_TEXT,
                             extra_source: str = "") -> str:
    selections = "".join(
        f'<PlainTextSelection guid="{SRC[:-3]}{i:03d}" startPosition="{a}" endPosition="{b}">'
        f'<Coding guid="{USER[:-3]}{i:03d}"><CodeRef targetGUID="{CODE}"/></Coding>'
        "</PlainTextSelection>"
        for i, (a, b) in enumerate(spans)
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="p" origin="{origin}">
 <CodeBook><Codes><Code guid="{CODE}" name="leaders" isCodable="true"/></Codes></CodeBook>
 <Sources><TextSource guid="{SRC}" name="board" plainTextPath="internal://{SRC}.txt">
 {selections}</TextSource>{extra_source}</Sources>
</Project>"""


WORDS = ["clinical director", "managers"]


def _spans(unit: str) -> list[tuple[int, int]]:
    out = []
    for word in WORDS:
        start = EMOJI_TEXT.index(word)
        end = start + len(word)
        out.append((_utf16(EMOJI_TEXT, start), _utf16(EMOJI_TEXT, end)) if unit == "utf16"
                   else (start, end))
    return out


def _write(tmp_path, name, qde, text=EMOJI_TEXT):
    return _zip({"project.qde": qde, f"sources/{SRC}.txt": text}, tmp_path / name)


def test_nvivo_positions_are_read_as_utf16_code_units(tmp_path):
    path = _write(tmp_path, "nvivo.qdpx",
                  _project_with_selections("NVivo 14 for Windows", _spans("utf16")))
    with warnings.catch_warnings():
        warnings.simplefilter("error", refi.RefiNotice)
        tables = refi.read_qdpx(path)
    assert tables["segments"]["text"].tolist() == WORDS
    # read the same project in code points on purpose: every span shifts, and a notice says so
    with pytest.warns(refi.RefiNotice, match=r"look misaligned when positions are read as "
                      r"codepoints.*positions='utf16'"):
        wrong = refi.read_qdpx(path, positions="codepoints")
    assert wrong["segments"]["text"].tolist() != WORDS


def test_utf16_positions_that_only_fit_that_way_are_read_so(tmp_path):
    # the last selection ends on the text's last character: past its code-point length
    text = "Managers 😀 and doctors 🙂"
    spans = [(_utf16(text, text.index("doctors")), _utf16(text, len(text)))]
    path = _write(tmp_path, "atlas.qdpx", _project_with_selections("ATLAS.ti 23", spans, text),
                  text)
    assert refi.read_qdpx(path)["segments"]["text"].tolist() == ["doctors 🙂"]


def test_code_point_projects_stay_code_points_and_a_wrong_origin_is_flagged(tmp_path):
    path = _write(tmp_path, "qc.qdpx", _project_with_selections("QualCoder 3.6",
                                                                _spans("codepoints")))
    assert refi.read_qdpx(path)["segments"]["text"].tolist() == WORDS
    lying = _write(tmp_path, "lying.qdpx", _project_with_selections("NVivo 12",
                                                                    _spans("codepoints")))
    with pytest.warns(refi.RefiNotice, match=r"read as utf16.*positions='codepoints'"):
        refi.read_qdpx(lying)
    assert refi.read_qdpx(lying, positions="codepoints")["segments"]["text"].tolist() == WORDS


def test_utf16_export_round_trips_and_is_what_nvivo_counts(tmp_path):
    tables = fixture_tables()
    path = refi.export_qdpx(tables, tmp_path / "u16.qdpx", positions="utf16")
    root = etree.fromstring(zipfile.ZipFile(path).read("project.qde"))
    ns = {"q": refi.PROJECT_NS}
    text = TEXT_A.replace("\r\n", "\n")
    source = root.find(f"q:Sources/q:TextSource[@guid='{stable_guid('source', 'w1')}']", ns)
    starts = [int(s.get("startPosition")) for s in source.iterfind("q:PlainTextSelection", ns)]
    assert _utf16(text, text.index("Managers")) in starts  # one more than the code point
    _assert_tables_equal(refi.read_qdpx(path), _expected_after_import(tables))


def test_bare_text_path_is_found_inside_the_archive(tmp_path):
    qde = _foreign_project(f'<TextSource guid="{SRC}" name="b" plainTextPath="board_2017.txt"/>')
    path = _zip({"project.qde": qde, "sources/board_2017.txt": "Board text."}, tmp_path / "b.qdpx")
    assert refi.read_qdpx(path)["sources"]["text"].tolist() == ["Board text."]


def test_duplicate_guids_are_refused(tmp_path):
    two = (f'<TextSource guid="{SRC}" name="a"><PlainTextContent>x</PlainTextContent>'
           f'</TextSource><TextSource guid="{{{SRC.lower()}}}" name="b"><PlainTextContent>y'
           "</PlainTextContent></TextSource>")
    path = _zip({"project.qde": _foreign_project(two)}, tmp_path / "dup.qdpx")
    _assert_refused(tmp_path, path, r"1 GUID\(s\) are used by more than one source")
    codes = _foreign_project(
        f'<TextSource guid="{SRC}" name="a"><PlainTextContent>x</PlainTextContent></TextSource>'
    ).replace("</Codes>", f'<Code guid="{CODE}" name="again" isCodable="true"/></Codes>')
    path = _zip({"project.qde": codes}, tmp_path / "dupcode.qdpx")
    _assert_refused(tmp_path, path, r"more than one code")


def test_deep_code_trees_and_large_inline_text_are_accepted(tmp_path):
    depth = 300
    nested = "".join(f'<Code guid="2B2C3D4E-0000-4000-8000-00000000{i:04X}" name="c{i}" '
                     'isCodable="true">'
                     for i in range(depth)) + "</Code>" * depth
    # about 11 MB of inline text (past libxml2's default 10 MB limit), not too compressible
    big = " ".join(str(n) for n in range(1_500_000))
    qde = _foreign_project(
        f'<TextSource guid="{SRC}" name="a"><PlainTextContent>{big}</PlainTextContent>'
        "</TextSource>"
    ).replace("</Codes>", nested + "</Codes>")
    path = _zip({"project.qde": qde}, tmp_path / "deep.qdpx")
    tables = refi.read_qdpx(path)
    assert len(tables["codes"]) == depth + 1
    assert len(tables["sources"]["text"][0]) == len(big)


def test_large_media_is_skipped_unread_and_dropped_content_is_noticed(tmp_path, monkeypatch):
    members = _valid_members(tmp_path)
    members["sources/interview.mp4"] = b"\0" * (2 * 1024 * 1024)  # big and compresses well
    qde = members["project.qde"].decode()
    qde = qde.replace("</Sources>", f'<VideoSource guid="{SRC}" name="v" '
                      'path="internal://interview.mp4"/></Sources>')
    qde = qde.replace("</Project>", f'<Sets><Set guid="{CODE}" name="s"/></Sets></Project>')
    members["project.qde"] = qde.encode()
    path = _zip(members, tmp_path / "media.qdpx")
    monkeypatch.setattr(refi, "MAX_MEMBER_BYTES", 1024 * 1024)
    with pytest.warns(refi.RefiNotice, match=r"1 video source\(s\); 1 set\(s\); 1 media"):
        tables = refi.read_qdpx(path)
    assert len(tables["sources"]) == 2


@pytest.mark.parametrize(
    "table, column, value, message",
    [
        ("sources", "name", "Dr \x01 Núñez", r"sources table, row 0, column 'name': a control "
         r"character \(U\+0001\)"),
        ("codes", "description", "bad \ud800 text", r"codes table, row 0, column "
         r"'description': a lone surrogate"),
        ("segments", "start", float("nan"), r"segments table, row 0: start nan is not a number"),
        ("segments", "end", 30.5, r"segments table, row 0: end 30.5 is not a whole number"),
        ("segments", "start", "ten", r"segments table, row 0: start 'ten' is not a number"),
    ],
)
def test_invalid_strings_and_offsets_are_refused_naming_the_row(tmp_path, table, column, value,
                                                                 message):
    tables = fixture_tables()
    tables[table] = tables[table].astype({column: object})
    tables[table].loc[0, column] = value
    with pytest.raises(RefiError, match=message):
        refi.export_qdpx(tables, tmp_path / "x.qdpx")
    assert not (tmp_path / "x.qdpx").exists()


def test_whole_float_offsets_are_accepted_and_unsafe_names_made_safe(tmp_path):
    tables = fixture_tables()
    tables["segments"]["start"] = tables["segments"]["start"].astype(float)
    tables["sources"].loc[1, "name"] = "Board/2017: minutes?"
    tables_back = refi.read_qdpx(refi.export_qdpx(tables, tmp_path / "f.qdpx"))
    assert tables_back["sources"]["name"].tolist() == ["Dr Ana Núñez", "Board-2017- minutes-"]
    assert tables_back["segments"]["text"].tolist()[0] == "clinical director"


def _qualcoder_reading(path: Path) -> dict:
    """What QualCoder's REFI importer (refi.py, RefiImport) takes from a project, as documented
    in its source: text files under the archive's Sources/sources folder at the path after
    'internal:/'; the source name used as a file name; creationDateTime on sources, selections
    and codings; a case tied to documents only through a code sharing the case's GUID, whose
    codings become the case's text (clean_up_case_codes_and_case_text). Returns per case name the
    set of source names it covers, and per code name the coded texts."""
    q = f"{{{refi.PROJECT_NS}}}"
    with zipfile.ZipFile(path) as archive:
        root = etree.fromstring(archive.read("project.qde"))
        folder = "sources" if any(n.startswith("sources/") for n in archive.namelist()) \
            else "Sources"
        cases = {c.get("guid"): c.get("name") for c in root.iter(q + "Case")}
        codes = {c.get("guid"): c.get("name") for c in root.iter(q + "Code")}
        case_sources: dict[str, set] = {}
        coded: dict[str, list] = {}
        for source in root.iter(q + "TextSource"):
            name = source.get("name")
            assert "/" not in name and "\\" not in name
            assert source.get("creationDateTime")
            text = archive.read(folder + source.get("plainTextPath").split("internal:/")[1])
            text = text.decode("utf-8")
            for selection in source.iter(q + "PlainTextSelection"):
                assert selection.get("creationDateTime")
                for coding in selection.iter(q + "Coding"):
                    assert coding.get("creationDateTime")
                    target = coding.find(q + "CodeRef").get("targetGUID")
                    a, b = int(selection.get("startPosition")), int(selection.get("endPosition"))
                    if target in cases:
                        case_sources.setdefault(cases[target], set()).add(name)
                    else:
                        coded.setdefault(codes[target], []).append(text[a:b])
    return {"cases": case_sources, "coded": coded}


def test_export_meets_qualcoders_importer_and_round_trips(tmp_path):
    tables = fixture_tables()
    path = refi.export_qdpx(tables, tmp_path / "qc.qdpx")
    seen = _qualcoder_reading(path)
    assert seen["cases"] == {"Ana": {"Dr Ana Núñez"}, "Bo": {"Mr Bo"}}
    assert seen["coded"]["Clinical director"] == ["clinical director"]
    # medlead reads its own case codes back as membership, not as codes
    _assert_tables_equal(refi.read_qdpx(path), _expected_after_import(tables))


# ------------------------------------------------------------------------------ shaped fixtures
# tests/fixtures/qda: minimal reproductions of NVivo and MAXQDA exports (see PROVENANCE.md there).

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "qda"


def _zip_folder(folder: Path, path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                archive.write(file, file.relative_to(folder).as_posix())
    return path


def test_nvivo_shaped_export_lands_every_segment_on_its_words(tmp_path):
    from medlead import byo

    path = _zip_folder(FIXTURES / "nvivo-shaped", tmp_path / "nvivo.qdpx")
    with warnings.catch_warnings():
        warnings.simplefilter("error", refi.RefiNotice)
        tables = refi.read_qdpx(path)
    assert tables["segments"]["text"].tolist() == [
        "clinical director", "general manager", "not with doctors"]
    assert "\r" not in tables["sources"]["text"][0]
    turns = byo.turns_from_refi(path, speaker_labels=["Interviewer", "Participant"],
                                interviewers=["Interviewer"])
    assert turns["qda_codes"].tolist() == ["", "Hybrid roles", "Budgets"]
    assert turns["speaker"].tolist() == ["Interviewer", "Participant", "Participant"]


def test_maxqda_shaped_export_reads_in_code_points_and_notes_the_set(tmp_path):
    path = _zip_folder(FIXTURES / "maxqda-shaped", tmp_path / "maxqda.qdpx")
    with pytest.warns(refi.RefiNotice, match=r"1 set\(s\)"):
        tables = refi.read_qdpx(path)
    assert tables["segments"]["text"].tolist() == ["directorate board", "budget",
                                                   "We meet weekly"]
    assert tables["codes"]["colour"].tolist() == ["#ef8256", "#32bd59"]
