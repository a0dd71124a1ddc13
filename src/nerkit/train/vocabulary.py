"""Words that stand where entities stand but are none (docs/conventions.md, "What is not an entity"):
job titles, departments, committees, software, products, card brands, acronyms, versions, host names
and headings, drawn from well-kept lists rather than typed here.

- Job titles: Faker's (`job`, English locales), mimesis' occupations and faker-edu's faculty titles.
- Departments: faker-edu's academic and clinical departments, faker-commerce's product categories
  (a shop's business units), and business functions read off Faker's job titles ("Tax adviser" ->
  "Tax"); committees are departments with a body's word ("Audit Committee").
- Software: Pygments' lexer names (languages, tools, formats: "Terraform", "Puppet", "TOML"),
  mimesis' operating systems and programming languages; products: faker-commerce's product names and
  mimesis' phones, graphics cards and processors; card brands: mimesis' card networks and Faker's card
  providers.
- Acronyms: the initials of those titles, departments and committees ("CIO", "HR", "ARC"), the way
  a document shortens them.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import cached_property

_ONE_OR_TWO_WORDS = re.compile(r"[A-Z][\w.#+-]*(?: [A-Z0-9][\w.#+-]*)?")
_BODIES = ("Committee", "Board", "Council", "Steering Group", "Working Group", "Panel", "Forum")
_UNITS = ("Department", "Team", "Office", "Unit", "Division", "Operations", "Services", "Desk")
_SENIORITY = ("Head of", "Director of", "VP", "Manager,", "Lead,", "Senior Manager,")
_FUNCTION_WORDS = re.compile(r"\b(?:of|and|the|for|in|on|to|a)\b|[(),/&]")


def _initials(phrase: str) -> str:
    words = [word for word in re.split(r"[\s&/,-]+", phrase) if word[:1].isupper()]
    return "".join(word[0] for word in words)


@dataclass
class Vocabulary:
    """Draws non-entity words with `rng`; the lists load on first use (Faker and mimesis are slow to
    import, and a recipe that writes no such document needs neither)."""

    rng: random.Random

    @cached_property
    def _faker(self):
        import faker_commerce
        import faker_edu
        from faker import Faker

        fake = Faker("en_US")
        fake.seed_instance(self.rng.randrange(1 << 30))
        fake.add_provider(faker_commerce.Provider)
        fake.add_provider(faker_edu.Provider)
        return fake

    @cached_property
    def _mimesis(self):
        from mimesis import Development, Hardware, Payment, Person
        from mimesis.locales import Locale

        seed = self.rng.randrange(1 << 30)
        return Development(seed=seed), Hardware(seed=seed), Payment(seed=seed), Person(Locale.EN, seed=seed)

    @cached_property
    def _software(self) -> list[str]:
        from faker.providers.person.en_US import Provider as People
        from pygments.lexers import get_all_lexers

        first_names = {name.lower() for name in People.first_names}
        return sorted(
            {
                name
                for name, *_ in get_all_lexers()
                if _ONE_OR_TWO_WORDS.fullmatch(name) and name.lower() not in first_names
            }
        )

    @cached_property
    def _functions(self) -> list[str]:
        """Business functions, the first words of Faker's job titles before the role ("Tax adviser")."""
        functions = set()
        from faker.providers.job.en_US import Provider as Jobs

        for job in Jobs.jobs:
            head = _FUNCTION_WORDS.split(job)[0].split()
            if len(head) >= 2:
                functions.add(" ".join(word.capitalize() for word in head[:-1]))
        return sorted(functions)

    def title(self) -> str:
        draw = self.rng.random()
        if draw < 0.5:
            job = self._faker.job()
            return job[0].upper() + job[1:]
        if draw < 0.7:
            return self._mimesis[3].occupation()
        if draw < 0.85:
            return self._faker.faculty_title()
        return f"{self.rng.choice(_SENIORITY)} {self.department()}"

    def department(self) -> str:
        draw = self.rng.random()
        if draw < 0.4:
            return self._faker.department_name()
        if draw < 0.55:
            return self._faker.ecommerce_category()
        name = self.rng.choice(self._functions) if self._functions else self._faker.ecommerce_category()
        if draw < 0.8:
            return f"{name} {self.rng.choice(_UNITS)}"
        return f"Group {name}" if draw < 0.9 else f"Department of {name}"

    def committee(self) -> str:
        name = self._faker.department_name() if self.rng.random() < 0.4 else self.rng.choice(self._functions)
        return f"{name} {self.rng.choice(_BODIES)}"

    def software(self) -> str:
        draw = self.rng.random()
        development = self._mimesis[0]
        if draw < 0.7:
            return self.rng.choice(self._software)
        return development.os() if draw < 0.85 else development.programming_language()

    def product(self) -> str:
        hardware = self._mimesis[1]
        draw = self.rng.random()
        if draw < 0.4:
            return self._shop_product()
        if draw < 0.65:
            return hardware.phone_model()
        if draw < 0.85:
            return hardware.graphics().replace("®", "").replace("™", "")
        return hardware.cpu().replace("®", "").replace("™", "")

    def _shop_product(self) -> str:
        """faker-commerce's product name ("Handcrafted Wooden Computer"), drawn from its word lists with
        this vocabulary's generator: its own `ecommerce_name` picks the shape with the unseeded global
        `random`, and the same recipe then wrote different documents on each run."""
        from faker_commerce import PRODUCT_DATA

        words = [self.rng.choice(PRODUCT_DATA[part]) for part in ("adjective", "material", "product")]
        return " ".join(word for index, word in enumerate(words) if index == 2 or self.rng.random() < 0.5)

    def card_brand(self) -> str:
        if self.rng.random() < 0.5:
            return self._mimesis[2].credit_card_network()
        return re.sub(r" \d+ digit$", "", self._faker.credit_card_provider())

    def acronym(self) -> str:
        for _ in range(10):
            phrase = self.rng.choice((self.title, self.department, self.committee))()
            letters = _initials(phrase)
            if 2 <= len(letters) <= 5:
                return letters.upper()
        return self._mimesis[0].programming_language().upper()

    def version(self) -> str:
        parts = [str(self.rng.randrange(1, 30)), str(self.rng.randrange(0, 20))]
        if self.rng.random() < 0.5:
            parts.append(str(self.rng.randrange(0, 12)))
        return ("v" if self.rng.random() < 0.3 else "") + ".".join(parts)

    def host(self) -> str:
        name = self._faker.hostname(0 if self.rng.random() < 0.6 else 1)
        return name.split(".")[0] if self.rng.random() < 0.5 else name

    def code(self) -> str:
        prefix = self.rng.choice(("INC", "CHG", "REQ", "ERR", "SKU", "PRJ", "TKT", "BUG"))
        return f"{prefix}-{self.rng.randrange(100, 99999)}"

    def last_digits(self) -> str:
        return f"{self.rng.randrange(10000):04d}"

    def quantity(self) -> str:
        return str(self.rng.randrange(1, 9))

    def heading(self) -> str:
        phrase = self.rng.choice((self._faker.catch_phrase, self.department, self._faker.bs))()
        words = phrase.split()[:4]
        text = " ".join(word.capitalize() for word in words)
        return text.upper() if self.rng.random() < 0.5 else text
