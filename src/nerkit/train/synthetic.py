"""Document-shaped training text: emails with headers, greetings and signatures, invoices, receipts,
address blocks, CVs in columns, meeting and medical notes, chat in lowercase and capitals, filled with people,
organisations, places and dates (presidio-research's idea: templates plus well-kept fake-data lists).

Names and companies come from Faker (many locales), cities from GeoNames (`nerkit.places`), countries
from pycountry, and names seen in the annotated corpora when given. Every document is text with character
spans in GMB's labels (`per`, `org`, `geo`, `gpe`, `tim`); the recipe cuts it into sentences the way
extraction does (`nerkit.text.Segmenter`), so the model trains on exactly the pieces it will see.
Install the extra: `pip install 'nerkit[recipe]'`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta, timezone

from nerkit import places
from nerkit.extras import require
from nerkit.train import nonentities
from nerkit.train.vocabulary import Vocabulary
from nerkit.train.writing import PLAIN, Document, wrapped

LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL", "pt_BR", "sv_SE", "en_IN")
HONORIFICS = ("Dr.", "Mr.", "Mrs.", "Ms.", "Prof.", "Mr", "Mrs", "Ms", "Dr")
GREETINGS = ("Hi {first},", "Dear {honorific} {last},", "Hello {first},", "Dear {first} {last},", "Hi all,")
CLOSINGS = ("Best regards,", "Kind regards,", "Thanks,", "Best,", "Cheers,", "Sincerely,", "Regards,")
BODY = (
    "I met {per} from {org} in {geo} on {tim} to discuss the contract.",
    "{per} will join the call with {org} on {tim}.",
    "Could you send the signed copy to {per} before {tim}?",
    "The workshop in {geo} has moved to {tim}; {per} is organising it.",
    "{org} confirmed the order last week and will ship it from {geo}.",
    "As discussed with {per}, the budget for the {geo} office is approved.",
    "Please book a room for {tim} and invite {per} and {per}.",
    "Our team at {org} is relocating to {geo}, {gpe} in {tim}.",
    "The auditors from {org} arrive on {tim} and will stay until {tim}.",
    "{per} asked whether {org} can deliver to our warehouse in {geo}.",
    "I spoke to {per} at {org} yesterday about the delay.",
    "The conference in {geo} starts on {tim}; {per} gives the keynote.",
    "We signed a partnership with {org}, which is based in {gpe}.",
    "Flights from {geo} to {geo} are booked for {tim}.",
    "{per} has replaced {per} as head of sales at {org}.",
    "The shipment left {geo} on {tim} and should reach {gpe} within a week.",
    "Let me know if {tim} works for you, otherwise {tim} is fine.",
    "Thanks again for meeting us in {geo} last month.",
    "Invoices for {org} should be addressed to {per} in {geo}.",
    "I am out of the office until {tim}; {per} can help in the meantime.",
)
CHAT = (
    "hi, this is {per} from {geo}, my order has not arrived",
    "can you ask {per} to call me back before {tim}",
    "i ordered from {org} on {tim} and still nothing",
    "{per} said the parcel is stuck in {geo}",
    "is the {geo} store open on {tim}?",
    "thanks {per}, that helped a lot",
    "my colleague {per} at {org} has the same problem",
    "we moved to {geo} in {tim}, please update the address",
)
COMPANY_BODY = (
    "{per} from {org} rescheduled the review to {tim}.",
    "Travel for the team is handled by {org} this year.",
    "Our insurer, {org}, needs the claim form by {tim}.",
    "The merger was advised by {org} and {org}.",
    "The samples were sent with {org} and arrive on {tim}.",
    "{org} has opened a second plant near {geo}.",
    "We switched our payroll to {org} in {tim}.",
    "{per} left {org} to join {org} as a partner.",
)
COMPANY_CHAT = (
    "my flight with {org} was cancelled again",
    "the {org} courier never showed up",
    "i paid through {org} on {tim}",
    "{org} support told me to wait until {tim}",
)
"""Lines where a company plays more roles (insurer, courier, adviser, payroll), for `one_word_companies`."""
BRAND_SYLLABLES = (
    "ka", "lo", "ve", "ri", "ta", "zen", "lux", "tri", "vo", "na", "mi", "co", "dex", "sol", "ar", "is",
    "on", "ex", "ly", "fy", "qu", "bel", "ra", "to", "nu", "pha", "gen", "ix", "ster", "via",
)  # fmt: skip
"""Pieces of invented brand names ("Zenlux", "Okavo"): a company is often one word naming nothing else."""
LEGAL_SUFFIXES = ("AG", "GmbH", "Ltd", "Inc.", "S.A.", "Group", "LLC", "plc", "B.V.", "SE", "Corp.")
ITEMS = (
    "Consulting services", "Licence fee", "Support plan", "Travel expenses", "Hardware", "Service",
    "Transport", "Delivery", "Installation", "Labour", "Parts", "Shipping", "Maintenance", "Training",
    "Discount", "Subscription", "Materials", "Cleaning", "Repairs", "Catering", "Hosting", "Design work",
    "Translation", "Storage",
)  # fmt: skip
FOOD = (
    "Coffee", "Espresso", "Sparkling water", "Soup of the day", "Club sandwich", "Glass of wine",
    "Cheesecake", "Breakfast", "Lunch menu", "Tea", "Croissant", "Salad", "Service", "Tip",
)  # fmt: skip
"""Table cells of common words, capitalised: never an entity, however alone they stand."""
LANGUAGES = ("English", "German", "French", "Spanish", "Italian", "Polish", "Dutch", "Portuguese", "Hindi")
SKILLS = ("Data analysis", "Negotiation", "Project management", "Statistics", "Budgeting", "Public speaking")
WORK_MODES = ("Remote", "Hybrid", "On-site", "Full-time", "Part-time")


class Filler:
    """Draws entities: names and companies from Faker, places from GeoNames and pycountry, and
    names seen in the annotated corpora (`seen`, by label).

    `one_word_companies` is the share of companies written as one word: a family's name without its
    legal form (as in "from Bosch"; three in five of them) or an invented brand ("Zenlux"); such
    documents also give companies more roles (`COMPANY_BODY`, `COMPANY_CHAT`).
    """

    def __init__(
        self,
        rng: random.Random,
        seen: dict[str, Sequence[str]] | None = None,
        one_word_companies: float = 0.0,
    ) -> None:
        require("recipe", "the document recipe")
        import pycountry
        from faker import Faker

        self.rng = rng
        self.fakers = [Faker(locale) for locale in LOCALES]
        for index, faker in enumerate(self.fakers):
            faker.seed_instance(rng.randrange(1 << 30) + index)
        self.cities = [name for name, population, _ in places.large_cities() if population > 150_000]
        self.countries = sorted(
            getattr(country, "common_name", country.name) for country in pycountry.countries
        )
        self.seen = {label: list(values) for label, values in (seen or {}).items() if values}
        self.words = Vocabulary(rng)
        self.one_word_companies = one_word_companies
        self.body = BODY + (COMPANY_BODY if one_word_companies else ())
        self.chat = CHAT + (COMPANY_CHAT if one_word_companies else ())

    @property
    def faker(self):
        return self.rng.choice(self.fakers)

    def first(self) -> str:
        return self.faker.first_name()

    def last(self) -> str:
        return self.faker.last_name()

    def __call__(self, label: str) -> str:
        if label in PLAIN:
            return getattr(self.words, label)()
        if label in self.seen and self.rng.random() < 0.3:
            return self.rng.choice(self.seen[label])
        if label == "per":
            return f"{self.first()} {self.last()}" if self.rng.random() < 0.85 else self.last()
        if label == "org":
            if self.one_word_companies:
                draw = self.rng.random()
                if draw < 0.6 * self.one_word_companies:
                    return self.last()
                if draw < self.one_word_companies:
                    return self.brand()
            name = self.faker.company()
            return name if " " in name else f"{name} {self.rng.choice(LEGAL_SUFFIXES)}"
        if label == "geo":
            return self.rng.choice(self.cities)
        if label == "gpe":
            return self.rng.choice(self.countries)
        if label == "tim":
            return self.date_text()
        raise ValueError(label)

    def brand(self) -> str:
        return "".join(self.rng.choice(BRAND_SYLLABLES) for _ in range(self.rng.choice((2, 2, 3)))).title()

    def day(self) -> date:
        return date(2018, 1, 1) + timedelta(days=self.rng.randrange(3000))

    def date_text(self) -> str:
        day = self.day()
        formats = (
            "%d %B %Y",
            "%B %d, %Y",
            "%d %b %Y",
            "%A",
            "%B %Y",
            "%d.%m.%Y",
            "%Y-%m-%d",
            "%A %d %B",
            "%b %Y",
        )
        text = day.strftime(self.rng.choice(formats))
        return text.lstrip("0") if text[0] == "0" and self.rng.random() < 0.5 else text

    def email(self, first: str, last: str) -> str:
        domain = self.faker.free_email_domain() if self.rng.random() < 0.3 else self.faker.domain_name()
        local = self.rng.choice((f"{first}.{last}", f"{first[0]}.{last}", f"{first}{last[0]}", last))
        return "".join(c for c in local.lower() if c.isalnum() or c == ".") + "@" + domain


def email(fill: Filler) -> Document:
    rng, doc = fill.rng, Document()
    first, last = fill.first(), fill.last()
    doc.add("From: ")
    doc.add(f"{first} {last}", "per")
    doc.add(f" <{fill.email(first, last)}>\nTo: ")
    to_first, to_last = fill.first(), fill.last()
    doc.add(f"{to_first} {to_last}", "per")
    doc.add(f" <{fill.email(to_first, to_last)}>\n")
    when = datetime.combine(fill.day(), datetime.min.time()).replace(
        hour=rng.randrange(7, 19),
        minute=rng.randrange(60),
        tzinfo=timezone(timedelta(hours=rng.choice((0, 1, 2, -5)))),
    )
    doc.add("Date: ")
    doc.add(when.strftime("%a, %d %b %Y %H:%M:%S %z"), "tim")
    doc.add("\nSubject: ")
    doc.template(
        rng.choice(("Meeting in {geo}", "Re: contract with {org}", "Visit on {tim}", "Follow-up")), fill
    )
    doc.add("\n\n")
    greeting = rng.choice(GREETINGS)
    doc.template(
        greeting.replace("{first}", "{first_}").replace("{last}", "{last_}").replace("{honorific}", "{hon_}"),
        lambda label: {"first_": to_first, "last_": to_last, "hon_": rng.choice(HONORIFICS)}[label],
    )
    _relabel_greeting(doc, greeting)
    doc.add("\n\n")
    width = rng.choice((None, 72, 76))
    for _ in range(rng.randrange(1, 4)):
        paragraph = Document()
        for sentence in rng.sample(fill.body, rng.randrange(1, 4)):
            paragraph.template(sentence + " ", fill)
        paragraph.text = paragraph.text.rstrip()
        wrapped(doc, paragraph, width)
        doc.add("\n\n")
    if rng.random() < 0.3:
        doc.add(f"> On {when.strftime('%a, %d %b %Y')}, {to_first} wrote:\n> ")
        quoted = Document()
        quoted.template(rng.choice(fill.body), fill)
        wrapped(doc, quoted, None)
        doc.add("\n\n")
    doc.add(rng.choice(CLOSINGS) + "\n")
    doc.add(f"{first} {last}", "per")
    doc.add("\n" + fill.words.title())
    if rng.random() < 0.4:
        doc.add(rng.choice((", ", "\n", " | ")) + fill.words.department())
    doc.add(" | " if rng.random() < 0.5 else "\n")
    doc.add(fill("org"), "org")
    doc.add("\n")
    doc.add(fill("geo"), "geo")
    doc.add(", ")
    doc.add(fill("gpe"), "gpe")
    doc.add(f"\nTel: {fill.faker.phone_number()}\n")
    return doc


def _relabel_greeting(doc: Document, greeting: str) -> None:
    """Greeting slots were written as `first_`/`last_`/`hon_`: the name is a person, the honorific joins
    it (GMB keeps titles inside `per`; extraction's conventions drop them later)."""
    found = [span for span in doc.spans if span[2] in ("first_", "last_", "hon_")]
    doc.spans = [span for span in doc.spans if span[2] not in ("first_", "last_", "hon_")]
    if found:
        doc.spans.append((found[0][0], found[-1][1], "per"))


def invoice(fill: Filler) -> Document:
    rng, doc = fill.rng, Document()
    doc.add(rng.choice(("INVOICE", "Invoice", "Tax invoice", "Credit note", "Quotation")) + "\n\n")
    doc.add(f"Invoice no.: INV-{rng.randrange(2018, 2026)}-{rng.randrange(10000):04d}\nInvoice date: ")
    doc.add(fill.date_text(), "tim")
    doc.add("\nDue date: ")
    doc.add(fill.date_text(), "tim")
    doc.add("\n\nBill to:\n")
    _address_block(doc, fill)
    doc.add("\nDescription                      Qty     Amount\n")
    for _ in range(rng.randrange(1, 6)):
        doc.add(f"{rng.choice(ITEMS):<33}{rng.randrange(1, 20):<8}EUR {rng.randrange(50, 9000):,}.00\n")
    doc.add(f"\nTotal:   EUR {rng.randrange(500, 40000):,}.00\n\nPayable to ")
    doc.add(fill("org"), "org")
    doc.add(f", IBAN {fill.faker.iban()}\n")
    return doc


def receipt(fill: Filler) -> Document:
    """A shop or restaurant receipt: a title, the business and its address, items in a column."""
    rng, doc = fill.rng, Document()
    doc.add(rng.choice(("Receipt", "RECEIPT", "Sales receipt", "Your receipt")) + "\n\n")
    doc.add(fill("org"), "org")
    doc.add(f"\n{fill.faker.street_address()}\n{fill.faker.postcode()} ")
    doc.add(fill("geo"), "geo")
    doc.add("\n\nDate: ")
    doc.add(fill.date_text(), "tim")
    doc.add("\n\n")
    symbol = rng.choice(("€", "£", "$", "CHF "))
    for item in rng.sample(FOOD, rng.randrange(2, 6)):
        doc.add(f"{item:<24}{symbol}{rng.randrange(2, 60)}.{rng.randrange(100):02d}\n")
    doc.add(f"\nTotal{' ' * 19}{symbol}{rng.randrange(20, 300)}.{rng.randrange(100):02d}\n\n")
    if rng.random() < 0.7:
        doc.add(rng.choice(("Served by: ", "Cashier: ", "Your server: ")))
        doc.add(fill.first(), "per")
        doc.add("\n")
    doc.add(rng.choice(("Thank you for your visit!", "Thank you!", "See you soon")) + "\n")
    return doc


def chat(fill: Filler) -> Document:
    rng, doc = fill.rng, Document()
    shout = rng.random() < 0.25
    transform = str.upper if shout else str.lower
    for _ in range(rng.randrange(3, 8)):
        speaker = fill.first()
        doc.add(f"[{rng.randrange(24):02d}:{rng.randrange(60):02d}] ")
        doc.add(transform(speaker), "per")
        doc.add(": ")
        doc.template(rng.choice(fill.chat), fill, transform)
        doc.add("\n")
    return doc


def notes(fill: Filler) -> Document:
    rng, doc = fill.rng, Document()
    kind = rng.choice(("Meeting notes", "Patient note", "HR note"))
    doc.add(kind + "\nDate: ")
    doc.add(fill.date_text(), "tim")
    doc.add("\nLocation: ")
    doc.add(fill("geo"), "geo")
    if kind == "Patient note":
        doc.add("\nPatient: ")
        doc.add(fill("per"), "per")
        doc.add("\nDOB: ")
        doc.add(fill.date_text(), "tim")
        doc.add("\nPhysician: ")
        doc.add(f"Dr. {fill.last()}", "per")
    else:
        doc.add(rng.choice(("\nAttendees: ", "\nPresent: ", "\nParticipants: ", "\nPanel: ")))
        count = rng.randrange(2, 5)
        for index in range(count):
            nonentities.attendee(doc, fill)
            doc.add(", " if index < count - 2 else " and " if index == count - 2 else "")
    doc.add("\n\n")
    for _ in range(rng.randrange(2, 5)):
        doc.add("- ")
        doc.template(rng.choice(fill.body), fill)
        doc.add("\n")
    return doc


def cv(fill: Filler) -> Document:
    rng, doc = fill.rng, Document()
    if rng.random() < 0.5:
        doc.add(rng.choice(("Curriculum vitae", "CURRICULUM VITAE", "Résumé", "CV")) + "\n\n")
    doc.add(fill("per"), "per")
    doc.add(f"\n{fill.faker.street_address()}, ")
    doc.add(fill("geo"), "geo")
    doc.add("\n\nEXPERIENCE\n")
    year = rng.randrange(2000, 2015)
    jobs = rng.randrange(2, 4)
    for job in range(jobs):
        if job == jobs - 1 and rng.random() < 0.5:
            doc.add(str(year), "tim")
            doc.add(" - present      ")
        else:
            doc.add(f"{year} - {year + rng.randrange(1, 5)}", "tim")
            doc.add("      ")
        doc.add(fill("org"), "org")
        doc.add("      ")
        doc.add(fill("geo") if rng.random() < 0.7 else rng.choice(WORK_MODES), "geo")
        doc.add(f"\n{fill.words.title()}\n")
        year += 3
    doc.spans = [span for span in doc.spans if doc.text[span[0] : span[1]] not in WORK_MODES]
    doc.add("\nEDUCATION\n")
    doc.add(str(year - 20), "tim")
    doc.add(f"      {rng.choice(('MSc', 'BSc', 'BA', 'MBA', 'PhD'))} {rng.choice(SKILLS)}, ")
    doc.add(f"University of {fill('geo')}", "org")
    doc.add("\n\nLanguages: " + ", ".join(rng.sample(LANGUAGES, rng.randrange(1, 4))))
    doc.add("\nSkills: " + ", ".join(rng.sample(SKILLS, rng.randrange(1, 4))) + "\n")
    return doc


def address(fill: Filler) -> Document:
    doc = Document()
    _address_block(doc, fill)
    return doc


def _address_block(doc: Document, fill: Filler) -> None:
    """A postal address: person, organisation, street, postcode and city, country, one per line."""
    doc.add(fill("per"), "per")
    doc.add("\n")
    doc.add(fill("org"), "org")
    doc.add(f"\n{fill.faker.street_address()}\n{fill.faker.postcode()} ")
    doc.add(fill("geo"), "geo")
    doc.add("\n")
    doc.add(fill("gpe"), "gpe")
    doc.add("\n")


KINDS: dict[str, Callable[[Filler], Document]] = {
    "email": email,
    "invoice": invoice,
    "receipt": receipt,
    "chat": chat,
    "notes": notes,
    "cv": cv,
    "address": address,
}


def documents(
    count: int, seed: int, seen: dict[str, Sequence[str]] | None = None, one_word_companies: float = 0.0
) -> list[Document]:
    """`count` documents of every kind in turn, the same for the same seed (see `Filler`): each kind of
    `KINDS` twice for each kind dense in non-entities (`nonentities.KINDS`), so a third of the documents
    teach what is not an entity and the entities keep two thirds."""
    rng = random.Random(seed)
    fill = Filler(rng, seen, one_word_companies)
    kinds = [*KINDS.values(), *KINDS.values(), *nonentities.KINDS.values()]
    return [kinds[index % len(kinds)](fill) for index in range(count)]
