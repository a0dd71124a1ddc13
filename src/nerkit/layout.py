"""Document layout: where a text's lines, blocks, cells and header fields are, so that no entity runs
across them.

Emails, invoices, CVs and chats are not newswire: a signature puts a name, a company and a city on
three short lines; a table pads cells with runs of spaces; a header line starts with a field name
("From:", "Invoice date:") that is never part of an entity. `segments` finds the pieces of text that
may hold an entity, as exact character ranges, and says which field a piece is the value of:

- a blank line ends a block; inside a block of short lines (signatures, addresses, headers, lists,
  table rows) every line break is a boundary, while soft-wrapped prose (a long line broken at a width)
  reads on as one piece;
- two or more spaces, or a tab, between words separate table cells;
- `Key: value` lines with a known field name ("From", "Date", "Invoice no.", "Tel") give only the value;
  address fields are cut into their recipients, and each recipient's name from its `<address>`; any
  other label of up to three words before a colon at the start of a line ("rosa:", "Also present:") is
  a piece of its own, and a bracketed chat timestamp ("[09:14]") starting a line is left out;
- a reply's attribution line ("On Tue, 4 Mar 2025 at 17:10, Robert Klein <r.klein@bank.ch> wrote:")
  gives the date, and the name and address as a `from` field;
- quoting markers (`> `) of replied-to mail are left out, and offsets stay exact.

The rules are plain and written down in docs/conventions.md; they need no model.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

NO_NAMES = ""
"""The type of a field whose value names no person, organization or place."""
FIELD_LABELS = {
    **dict.fromkeys(
        (
            "name", "full name", "first name", "last name", "surname", "attn", "attention", "patient",
            "doctor", "physician", "manager", "employee", "present", "panel", "attendees", "participants",
            "interviewer", "interviewers", "candidate", "chair", "served by", "prepared by", "approved by",
            "signed", "patient name", "employee name", "contact name", "guest name", "passenger name",
            "consultant", "gp", "surgeon", "nurse", "referred by", "referring doctor", "passenger", "guest",
            "guests", "traveller", "traveler", "organizer", "organiser", "host", "policy holder",
            "policyholder", "insured", "claimant name", "assignee", "assigned to", "reporter",
        ),
        "PERSON",
    ),
    **dict.fromkeys(
        (
            "company", "organisation", "organization", "employer", "supplier", "vendor", "institution",
            "company name", "organisation name", "organization name", "business name", "bank name",
            "legal name", "employer name", "hospital", "clinic", "practice", "insurer", "insurance company",
            "carrier", "airline",
        ),
        "ORGANIZATION",
    ),
    **dict.fromkeys(("city", "town", "country", "place of birth", "birthplace"), "LOCATION"),
    **dict.fromkeys(("languages", "skills", "vessel"), NO_NAMES),
}  # fmt: skip
"""Fields whose value holds names of one type, or none: an `Employee:` value is a person however a
model reads two words alone, and "Languages: Spanish, German" names nobody (`conventions.typed`)."""
FIELD_WORDS = "|".join(
    (
        "from|to|cc|bcc|reply-to|sender|recipient|date|sent|received|subject|re|fwd",
        "tel|tel\\.|telephone|phone|fax|mobile|cell|mob|office|direct|switchboard|e-?mail|web|website|url",
        "department|title|position|role|address|street|postcode|zip|location|venue|where|when|time|dob",
        "date of birth|born|invoice|invoice no\\.?|invoice number|invoice date|order|order no\\.?",
        "order number|due|due date|total|amount|balance|subtotal|vat|tax|iban|bic|swift|account",
        "account no\\.?|ref|reference|id|contact|client|customer|bill to|ship to|period|deadline|start|end",
        "from date|to date|meeting|nationality|education|experience|admitted|discharged|ward",
        "buyer|seller|purchaser|consignee|shipper|hotel|opened|closed|created|updated|resolved",
        "region|revenue|growth|quantity|qty|description|item|rate|price|unit price|status|notes|category",
        "gstin|gst no\\.?|pan|tin|ein|abn|claimant|defendant|plaintiff|respondent|appellant|applicant",
        "room|room type|check-in|check-out|arrival|departure|booking|booking reference|reservation",
        "incident|policy|policy number|claim|claim number|amount claimed|agent|about|summary|headline",
        "vessel|voyage|port of loading|port of discharge|date of issue|bill of lading",
        *(re.escape(name) for name in FIELD_LABELS),
    )
)

_FIELD = re.compile(
    rf"(?P<key>(?:[A-Za-z][A-Za-z.'-]*\s){{0,3}}?(?:{FIELD_WORDS}))\s*:[ \t]*(?=\S)",
    re.IGNORECASE,
)
_FIELD_NAME = re.compile(rf"(?:{FIELD_WORDS})(?:\s(?:{FIELD_WORDS})){{0,2}}", re.IGNORECASE)
"""A table cell or line that is only field names ("Subtotal", "Total due") holds no entity; a name
that ends in one ("St Vincent's University Hospital") is no field name."""
DATE_FIELDS = {"date", "sent", "received"}
"""Header fields whose whole value is a date (`header_date` checks that it reads as one)."""
_ADDRESS_FIELDS = {"from", "to", "cc", "bcc", "reply-to", "sender", "recipient"}
_QUOTE = re.compile(r"[ \t]*(?:>[ \t]?)+")
_CELL_GAP = re.compile(r"[ \t]*(?:\t|[ ]{2,}|[ ][|\u00b7\u2022][ ])[ \t]*")
"""Between cells: a tab, two or more spaces, or a spaced pipe or bullet ("Sakura Ito | Purchasing
Manager | Hanabi Foods Co., Ltd. | Osaka")."""
_RECIPIENT = re.compile(r"[^,;<>]+|<[^<>]*>")
_LABEL = re.compile(r"[^\W\d_][\w.'-]*(?:[ ][\w.'-]+){0,2}(?=:[ \t]+\S)")
_ATTRIBUTION = re.compile(
    r"On (?P<date>[^<>]+?),? (?P<name>[^\W\d_][^,<>@]*?) <(?P<address>[^<>\s]+@[^<>\s]+)> wrote:"
)
_YEARS = re.compile(
    r"(?:19|20)\d\d(?:\s?[-\u2013]\s?(?:19|20)\d\d)?(?=(?:\s?[-\u2013]\s?(?:present|now|today|current))?$)",
    re.IGNORECASE,
)
_TIMESTAMP = re.compile(r"\[\d{1,2}:\d{2}(?::\d{2})?(?:\s?[AaPp][Mm])?\][ \t]*")
_LIST_ITEM = re.compile(r"[ \t]*(?:[-*\u2022\u2013]|\d{1,2}[.)])\s")
SOFT_WRAP = 50
"""A line this long or longer, followed by another line of the same block, was wrapped at a width:
the break is a space, not a boundary (signature and address lines are far shorter)."""


@dataclass(frozen=True)
class Segment:
    """A piece of text that may hold entities: `text[start:end]`, with the header field it is the value
    of (lowercased, e.g. `date`, `from`) when it is one."""

    start: int
    end: int
    field: str | None = None


@dataclass(frozen=True)
class _Line:
    start: int
    end: int
    content: int
    """Where the line's content starts, after quoting markers and indentation."""

    @property
    def length(self) -> int:
        return self.end - self.content


def segments(text: str) -> list[Segment]:
    """The pieces of `text` that may hold entities, in order, never overlapping, each trimmed of
    surrounding whitespace. Entities are found within one piece and never across two."""
    found: list[Segment] = []
    for block in _blocks(text):
        prose: list[_Line] = []
        for line in block:
            pieces, structured = _line_pieces(text, line)
            if not structured and not _LIST_ITEM.match(text, line.content):
                if prose and prose[-1].length < SOFT_WRAP:
                    found.append(_joined(prose))
                    prose = []
                prose.append(line)
                continue
            if prose:
                found.append(_joined(prose))
                prose = []
            found += pieces
        if prose:
            found.append(_joined(prose))
    return [segment for segment in found if segment.end > segment.start]


def mask(text: str, found: Sequence[Segment]) -> str:
    """`text` with everything outside the segments, and quoting markers inside joined lines, replaced
    by spaces: same length, so offsets into it are offsets into `text`."""
    characters = [" " if character not in "\r\n" else character for character in text]
    for segment in found:
        characters[segment.start : segment.end] = text[segment.start : segment.end]
    masked = "".join(characters)
    return re.sub(r"(?m)^[ \t]*(?:>[ \t]?)+", lambda match: " " * len(match.group()), masked)


def _blocks(text: str) -> Iterator[list[_Line]]:
    block: list[_Line] = []
    position = 0
    for raw in text.splitlines(keepends=True):
        end = position + len(raw.rstrip("\r\n"))
        quote = _QUOTE.match(text, position, end)
        content = quote.end() if quote else position
        while content < end and text[content].isspace():
            content += 1
        stripped_end = end
        while stripped_end > content and text[stripped_end - 1].isspace():
            stripped_end -= 1
        if stripped_end == content:
            if block:
                yield block
            block = []
        else:
            block.append(_Line(position, stripped_end, content))
        position += len(raw)
    if block:
        yield block


def _line_pieces(text: str, line: _Line) -> tuple[list[Segment], bool]:
    """A line's pieces, and whether the line has structure (a timestamp, a label or field name, or
    cells) and so is no wrapped prose: a `Key: value` line gives its value only (address fields cut
    per recipient), another line-initial label is a piece of its own, cells are pieces (but for cells
    that are a field's name alone: a table's "Subtotal" is no place)."""
    start, field, pieces = line.content, None, []
    stamp = _TIMESTAMP.match(text, start, line.end)
    start = stamp.end() if stamp else start
    attribution = _ATTRIBUTION.fullmatch(text, start, line.end)
    if attribution is not None:
        return [
            Segment(*attribution.span("date")),
            Segment(*_trimmed(text, *attribution.span("name")), "from"),
            Segment(*attribution.span("address"), "from"),
        ], True
    key = _FIELD.match(text, start, line.end)
    label = _LABEL.match(text, start, line.end) if key is None else None
    if key is not None:
        start, field = key.end(), _key_name(key)
    elif label is not None:
        pieces.append(Segment(*_trimmed(text, *label.span())))
        start = label.end() + 1
    if field in _ADDRESS_FIELDS:
        for part in _RECIPIENT.finditer(text, start, line.end):
            left, right = _trimmed(text, *part.span())
            if text[left] == "<":
                left, right = left + 1, right - 1
            pieces.append(Segment(left, right, field))
        return pieces, True
    cells, cell_start = [], start
    for gap in _CELL_GAP.finditer(text, start, line.end):
        if gap.start() > cell_start:
            cells.append(_cell(text, cell_start, gap.start(), field, first=not cells))
        cell_start = gap.end()
    if line.end > cell_start:
        cells.append(_cell(text, cell_start, line.end, field, first=not cells))
    structured = bool(stamp or key or label) or len(pieces) + len(cells) > 1
    return [
        *pieces,
        *(cell for cell in cells if not _FIELD_NAME.fullmatch(text, cell.start, cell.end)),
    ], structured


def _cell(text: str, start: int, end: int, field: str | None, first: bool) -> Segment:
    """A table cell; one after the first that starts with a field's key is that field's value
    ("Patient: Hannah Schulz        DOB: 04.07.1987")."""
    key = None if first else _FIELD.match(text, start, end)
    if key is not None:
        start, field = key.end(), _key_name(key)
    return Segment(*_trimmed(text, start, end), field)


def _key_name(key: re.Match[str]) -> str:
    return " ".join(key.group("key").lower().rstrip(".").split())


def _joined(lines: list[_Line]) -> Segment:
    return Segment(lines[0].content, lines[-1].end)


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def field_label(field: str | None) -> str | None:
    """The type of name a field's value holds ("also present" holds people; `NO_NAMES`), or None when
    the field says nothing about it. A key with words before a known field name is read by that name
    ("also present"), except "... name", whose first words say what is named ("product name": None)."""
    words = field.split() if field else []
    if not words:
        return None
    if " ".join(words) in FIELD_LABELS:
        return FIELD_LABELS[" ".join(words)]
    return FIELD_LABELS.get(words[-1]) if len(words) > 1 and words[-1] != "name" else None


def years(text: str, start: int, end: int) -> int | None:
    """Where the year or year range that makes up a whole table cell ends ("2013", "2015 - 2019", the
    year of "2019 - present"), or None: CVs and reports date their rows this way, with no words around
    that a model could read a date from."""
    found = _YEARS.match(text, start, end)
    return found.end() if found else None


def header_date(value: str) -> bool:
    """Whether a header field's value is an RFC 2822 date ("Mon, 14 Apr 2025 08:15:30 +0200"), as mail
    headers write them: then the whole value, weekday and zone included, is one DATE_TIME."""
    return rfc2822_date(value) is not None


def date_headers(text: str, segments: Sequence[Segment]) -> list[str]:
    """The values of a message's date headers ("Date:", "Sent:", "Received:"), first first."""
    return [text[segment.start : segment.end] for segment in segments if segment.field in DATE_FIELDS]


def rfc2822_date(value: str) -> datetime | None:
    """`value` read as an RFC 2822 date, or None when it is none; "-0000", RFC 5322's unknown zone, is
    UTC (the standard library leaves it naive, as it leaves a date written without a zone)."""
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None and re.search(r"-0000\b", value):
        return when.replace(tzinfo=UTC)
    return when
