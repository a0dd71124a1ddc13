"""Documents dense in words that are not entities (docs/conventions.md, "What is not an entity"):
minutes whose attendees are roles, IT tickets and alerts with software, versions and hosts, clinic
letters with departments and acronyms, policies under their headings, job postings, card payments, and
team chat in lowercase where names sit next to verbs and slang. Their people, companies, places and
dates are annotated as in `train.synthetic`; everything drawn from `train.vocabulary` is not, so the
model learns what stands where a name usually stands and is none."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from nerkit.train.writing import Document

if TYPE_CHECKING:
    from nerkit.train.synthetic import Filler

MINUTES = (
    "{per} presented the {software} migration plan; the {committee} approved it.",
    "The {committee} noted the {acronym} report and asked {per} to update it by {tim}.",
    "{title} {per} summarised the {department} budget for {geo}.",
    "ACTION: {department} to circulate the {heading} draft before {tim}.",
    "The {title} reported that the {product} rollout is on hold.",
    "{per} ({acronym}) will brief the {committee} on {tim}.",
)
TICKET = (
    "Upgrade {software} to {version} and restart {software} on {host}.",
    "{software} {version} fails to start on {host} after the {tim} patch.",
    "Rolled back {software} to {version} on {host}; {per} is monitoring.",
    "Escalated to {department}; {code} linked.",
    "{per} from {department} confirmed the {acronym} check passes on {host}.",
    "Disk usage on {host} above 90%, {software} logs rotated.",
)
CLINICAL = (
    "Seen in {department} on {tim} by Dr. {per}.",
    "{acronym} and {acronym} ordered; results to {department}.",
    "Referred to the {department} at {org}, {geo}.",
    "Discussed with the {title} on {tim}; follow-up in {department}.",
    "{per} attended with her daughter; {acronym} normal.",
)
POLICY = (
    "This policy applies to every employee of {org} in {geo} and {gpe}.",
    "The {committee} reviews this policy every year; the {title} owns it.",
    "Requests go to the {department} through {software}.",
    "Devices must run {software} {version} or later and be enrolled in {acronym}.",
    "It takes effect on {tim} and replaces the policy of {tim}.",
)
POSTING = (
    "You will work with {software}, {software} and {software}; {acronym} experience is a plus.",
    "Reports to: {title}, {department}",
    "{org} is hiring in {geo}: join our {department}.",
    "Apply by {tim}; interviews with the {title} and {per}.",
)
PAYMENT = (
    "Paid with {card_brand} ending {last_digits} on {tim} at {org}.",
    "Card: {card_brand} ****{last_digits}   Auth {code}",
    "{product} x{quantity}",
    "Refund to your {card_brand} card issued on {tim}.",
)
TEAM_CHAT = (
    "i'll ping {per} from {department} tmrw",
    "can u ask {per} abt the {software} upgrade on {host}",
    "thx {per}!! {software} is back up",
    "cc {per}, {acronym} needs the numbers by eod",
    "hey {per} r u in the {committee} call",
    "{per} said {software} {version} broke the build lol",
    "ok will check w {per} after standup",
    "morning {per}, the {product} order came in",
)
"""Names next to verbs ("ping", "ask", "cc") and slang ("abt", "thx"), which stay outside the names;
"tmrw" and "eod" are dates (docs/conventions.md, chat shorthand)."""
SHORTHAND_DATES = re.compile(r"\b(?:tmrw|eod)\b")


def attendee(doc: Document, fill: Filler) -> None:
    """One attendee of a meeting: a person, a person and their role, or a role alone."""
    draw = fill.rng.random()
    if draw < 0.3:
        doc.add(fill("title" if draw < 0.2 else "acronym"))
        return
    doc.add(fill("per"), "per")
    if draw < 0.6:
        doc.add(f" ({fill('title')})" if draw < 0.5 else f", {fill('title')}")


def _lines(doc: Document, fill: Filler, templates: tuple[str, ...], count: int, prefix: str = "") -> None:
    for pattern in fill.rng.sample(templates, min(count, len(templates))):
        doc.add(prefix)
        doc.template(pattern, fill)
        doc.add("\n")


def minutes(fill: Filler) -> Document:
    rng, doc = fill.rng, Document()
    doc.add(
        f"Minutes of the {fill('committee')}\nDate: "
        if rng.random() < 0.5
        else f"{fill('committee')}\nDate: "
    )
    doc.add(fill.date_text(), "tim")
    doc.add("\nAttendees: ")
    count = rng.randrange(3, 7)
    for index in range(count):
        attendee(doc, fill)
        doc.add(", " if index < count - 1 else "\n")
    doc.add(f"Apologies: {fill('title')}\n\n")
    for number in range(1, rng.randrange(2, 5)):
        doc.add(f"{number}. {fill('heading')}\n")
        _lines(doc, fill, MINUTES, rng.randrange(1, 3))
    return doc


def ticket(fill: Filler) -> Document:
    rng, doc = fill.rng, Document()
    doc.add(
        f"{fill('code')} | Priority: P{rng.randrange(1, 5)} | Status: {rng.choice(('Open', 'Resolved'))}\n"
    )
    doc.add(f"Component: {fill('software')}\nHost: {fill('host')}\nReporter: ")
    if rng.random() < 0.7:
        doc.add(fill("per"), "per")
    else:
        doc.add(fill("software"))
    doc.add(f"\nAssignee: {fill('department')}\nOpened: ")
    doc.add(fill.date_text(), "tim")
    doc.add("\n\n")
    _lines(doc, fill, TICKET, rng.randrange(2, 5))
    return doc


def clinic_letter(fill: Filler) -> Document:
    rng, doc = fill.rng, Document()
    doc.add(f"{fill('department')}\n")
    doc.add(fill("org"), "org")
    doc.add("\n\nPatient: ")
    doc.add(fill("per"), "per")
    doc.add("\n\n")
    _lines(doc, fill, CLINICAL, rng.randrange(2, 5))
    doc.add(f"\nCopy to: {fill('title')}, {fill('department')}\n")
    return doc


def policy(fill: Filler) -> Document:
    rng, doc = fill.rng, Document()
    if rng.random() < 0.5:
        doc.add(fill("org").upper(), "org")
        doc.add("\n")
    doc.add(f"{fill('heading').upper()} POLICY\n\n")
    for number in range(1, rng.randrange(2, 5)):
        heading = fill("heading")
        doc.add(f"{number}. {heading.upper() if rng.random() < 0.5 else heading}\n")
        _lines(doc, fill, POLICY, rng.randrange(1, 3), f"{number}.{rng.randrange(1, 4)} ")
    return doc


def posting(fill: Filler) -> Document:
    rng, doc = fill.rng, Document()
    doc.add(f"{fill('title')}\n{fill('department')} | ")
    doc.add(fill("geo"), "geo")
    doc.add(f" | {rng.choice(('Hybrid', 'Remote', 'On-site'))}\n\n")
    _lines(doc, fill, POSTING, rng.randrange(2, 5))
    return doc


def payment(fill: Filler) -> Document:
    rng, doc = fill.rng, Document()
    _lines(doc, fill, PAYMENT, rng.randrange(2, 5))
    return doc


def team_chat(fill: Filler) -> Document:
    rng, doc = fill.rng, Document()
    for _ in range(rng.randrange(3, 7)):
        doc.add(f"[{rng.randrange(24):02d}:{rng.randrange(60):02d}] ")
        doc.add(fill.first().lower(), "per")
        doc.add(": ")
        line = Document()
        line.template(
            rng.choice(TEAM_CHAT), lambda label: fill(label) if label != "per" else fill.first(), str.lower
        )
        offset = len(doc.text)
        doc.text += line.text
        doc.spans += [(start + offset, end + offset, label) for start, end, label in line.spans]
        doc.spans += [
            (offset + m.start(), offset + m.end(), "tim") for m in SHORTHAND_DATES.finditer(line.text)
        ]
        doc.add("\n")
    return doc


KINDS: dict[str, Callable[[Filler], Document]] = {
    "minutes": minutes,
    "ticket": ticket,
    "clinic_letter": clinic_letter,
    "policy": policy,
    "posting": posting,
    "payment": payment,
    "team_chat": team_chat,
}
