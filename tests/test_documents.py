"""Documents in and records out: every engine reads a record's id and writes its entities the same way."""

import io
import json

import pytest
from conftest import write

from nerkit.documents import (
    Document,
    EntityWriter,
    entity_record,
    generated_id,
    json_line,
    read_documents,
    record_document,
)
from nerkit.entities import Entity, Redaction
from nerkit.errors import NerkitError
from nerkit.ner import ExtractOptions, LoadOptions, Result
from nerkit.summary import Group

EMAIL = Entity(5, 17, "EMAIL", "bob@acme.com", 1.0, "pattern", value={"email": "bob@acme.com"})
TEXT = "Mail bob@acme.com"


def test_a_string_id_is_kept_as_given():
    assert record_document({"id": "a-1", "text": TEXT}, "text") == Document("a-1", TEXT)


def test_a_numeric_id_stays_a_number():
    document = record_document({"id": 7, "text": TEXT}, "text")
    assert document.id == 7 and isinstance(document.id, int)


@pytest.mark.parametrize("record", [{"text": TEXT}, {"id": None, "text": TEXT}, {"id": "", "text": TEXT}])
def test_a_record_without_an_id_gets_the_one_made_from_its_text(record):
    assert record_document(record, "text").id == generated_id(TEXT)


def test_a_generated_id_depends_on_the_text_alone():
    assert generated_id(TEXT) == generated_id(TEXT)
    assert generated_id(TEXT) != generated_id(TEXT + " ")
    assert generated_id(TEXT).startswith("sha256:") and len(generated_id(TEXT)) == len("sha256:") + 16


def test_a_text_with_a_lone_surrogate_still_gets_an_id():
    assert generated_id("\ud800").startswith("sha256:")


def test_a_record_without_its_text_field_is_refused_with_file_and_line(tmp_path):
    with pytest.raises(NerkitError) as caught:
        record_document({"id": 1, "body": TEXT}, "text", tmp_path / "in.jsonl", 3)
    assert caught.value.code == "E043"
    assert "in.jsonl:3" in str(caught.value) and "--text-field" in str(caught.value)


def test_jsonl_and_csv_records_without_an_id_get_the_same_id(tmp_path):
    jsonl = write(tmp_path / "in.jsonl", json.dumps({"text": TEXT}) + "\n")
    table = write(tmp_path / "in.csv", f"text\n{TEXT}\n")
    from_jsonl, from_csv = [[d.id for d in read_documents(path)] for path in (jsonl, table)]
    assert from_jsonl == from_csv == [generated_id(TEXT)]


def test_ids_read_from_jsonl_keep_their_json_types(tmp_path):
    lines = [{"id": "a", "text": TEXT}, {"id": 2, "text": TEXT}, {"id": 2.5, "text": TEXT}]
    source = write(tmp_path / "in.jsonl", "".join(json.dumps(line) + "\n" for line in lines))
    assert [d.id for d in read_documents(source)] == ["a", 2, 2.5]


def test_the_record_is_the_id_and_the_entities_with_values_as_objects():
    record = entity_record(Document(7, TEXT), Result(TEXT, [EMAIL]))
    assert record == {
        "id": 7,
        "entities": [
            {
                "text": "bob@acme.com",
                "label": "EMAIL",
                "start": 5,
                "end": 17,
                "score": 1.0,
                "source": "pattern",
                "value": {"email": "bob@acme.com"},
            }
        ],
    }


def test_a_summary_asked_for_comes_after_the_entities():
    group = Group("bob@acme.com", "EMAIL", [(5, 17)])
    record = entity_record(Document("a", TEXT), Result(TEXT, [EMAIL], summary=[group]))
    assert list(record) == ["id", "entities", "summary"]
    assert record["summary"] == [group.to_dict()]


def test_a_redacted_record_is_the_redacted_text_and_its_replacements_without_entities():
    replacements = [{"start": 5, "end": 17, "label": "EMAIL", "redacted_start": 5, "redacted_end": 12}]
    result = Result(TEXT, [EMAIL], redacted=Redaction("Mail [EMAIL]", replacements))
    record = entity_record(Document("a", TEXT), result)
    assert record == {"id": "a", "text": "Mail [EMAIL]", "replacements": replacements}


def test_a_json_line_keeps_unicode_as_it_is_on_one_line():
    assert json_line({"id": "é", "entities": []}) == '{"id": "é", "entities": []}\n'


def test_the_jsonl_writer_writes_the_record_as_its_json_line():
    handle = io.StringIO()
    document, result = Document(7, TEXT), Result(TEXT, [EMAIL])
    EntityWriter(handle, "jsonl").write(document, result)
    assert handle.getvalue() == json_line(entity_record(document, result))


def test_a_ray_actor_gives_the_lines_the_local_writer_writes(toy_ner, tmp_path):
    pyarrow = pytest.importorskip("pyarrow")
    from nerkit.raydata import LINE, RayOptions, _Extractor

    model = toy_ner.tagger.save(tmp_path / "toy", toy_ner.metadata)
    lines = [{"id": "a", "text": "Alice visited Paris. Mail alice@acme.com"}, {"id": 2, "text": "Bob"}]
    lines.append({"text": "Carol met Bob in Berlin."})
    actor = _Extractor(str(model), LoadOptions(), ExtractOptions(), RayOptions(), lines=True)
    written = actor(pyarrow.table({LINE: [json.dumps(line) for line in lines]})).column(LINE).to_pylist()
    local = io.StringIO()
    writer = EntityWriter(local, "jsonl")
    for line, result in zip(lines, toy_ner.results([line["text"] for line in lines]), strict=True):
        writer.write(record_document(line, "text"), result)
    assert "".join(written) == local.getvalue()


def test_a_ray_actor_writing_parquet_gives_values_as_json_text(toy_ner, tmp_path):
    pyarrow = pytest.importorskip("pyarrow")
    from nerkit.raydata import RayOptions, _Extractor

    model = toy_ner.tagger.save(tmp_path / "toy", toy_ner.metadata)
    options = RayOptions(output_format="parquet")
    actor = _Extractor(str(model), LoadOptions(), ExtractOptions(), options, lines=False)
    (record,) = actor(pyarrow.table({"id": ["a"], "text": [TEXT]})).to_pylist()
    assert record["id"] == "a"
    email = next(entity for entity in record["entities"] if entity["label"] == "EMAIL")
    assert json.loads(email["value"]) == {"email": "bob@acme.com"}
    assert email["explanation"] is None


def test_ray_reads_a_file_in_chunks_and_keeps_lines_cut_by_a_chunk_whole(monkeypatch):
    pytest.importorskip("ray")
    import pyarrow

    from nerkit import raylines

    monkeypatch.setattr(raylines, "CHUNK_BYTES", 7)
    source = raylines.JsonLinesSource.__new__(raylines.JsonLinesSource)
    source.column = "line"
    data = '{"id": 1, "text": "a\u2028b"}\n\n{"id": "x", "text": "zz"}\r\n{"text": "last"}'.encode()
    tables = source._read_stream(pyarrow.BufferReader(data), "in.jsonl")
    lines = [line for table in tables for line in table.column("line").to_pylist()]
    assert lines == ['{"id": 1, "text": "a\u2028b"}', '{"id": "x", "text": "zz"}', '{"text": "last"}']


def test_ray_refuses_a_file_that_is_not_utf8_with_its_path():
    pytest.importorskip("ray")
    import pyarrow

    from nerkit import raylines

    source = raylines.JsonLinesSource.__new__(raylines.JsonLinesSource)
    source.column = "line"
    with pytest.raises(NerkitError, match=r"E005.*in\.jsonl"):
        list(source._read_stream(pyarrow.BufferReader(b'{"text": "\xff"}\n'), "in.jsonl"))
