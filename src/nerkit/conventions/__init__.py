"""Span conventions (docs/conventions.md), applied after the model and the recognizers: what an
entity holds and what it leaves out ("Hi Maria" gives Maria; "Siemens AG, Munich" an organization and
a place), and what a document's fields say a name is ("Employee: Kwame Mensah" is a person). One
place, so `NER.extract`, the CLI, the server, Ray and raw-text evaluation all follow the same rules.

Every rule has a name (`RULES`), and each function leaves out the rules named in its `skip` argument,
to measure what each is worth (`ExtractOptions.skip_rules`, bench/ablation.py). The rules live by kind:
`names` (people), `organizations`, `whereabouts` (places, addresses, nationalities), `dates`, `fields`
(a field's or a column's type), with the order and what every span goes through in `core`."""

from nerkit.conventions.core import conform
from nerkit.conventions.fields import columns, typed
from nerkit.conventions.names import TITLE, aliases, namesakes
from nerkit.conventions.rules import RULES

__all__ = ["RULES", "TITLE", "aliases", "columns", "conform", "namesakes", "typed"]
