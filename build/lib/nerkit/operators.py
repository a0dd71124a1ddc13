"""Anonymisation operators, per label: `replace`, `mask`, `hash`, `pseudonym`, `encrypt` and `keep`, and
`deanonymize`, which restores encrypted spans exactly.

`hash` is an HMAC-SHA256 keyed with a secret (an unkeyed hash of a name can be reversed by hashing a
list of names); without a secret, a random one is drawn for the `Anonymizer`, so hashes agree within
one run and cannot be recomputed elsewhere. `encrypt` is AES-GCM under a key derived from the secret
(HKDF-SHA256), bound to the label; its token `[ENC:LABEL:...]` carries everything `deanonymize` needs.
`pseudonym` numbers entities per label in order of appearance ("PERSON_1" is the same person everywhere
in a document, or in a whole batch).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from nerkit.errors import NerkitError
from nerkit.files import read_settings

Kind = Literal["replace", "mask", "hash", "pseudonym", "encrypt", "keep"]
KINDS: tuple[str, ...] = get_args(Kind)
DEFAULT = "DEFAULT"
"""The operator key for every label the operators do not name."""
KEY_VARIABLE = "NERKIT_KEY"
"""The environment variable a secret is read from when none is given."""
_TOKEN = re.compile(r"\[ENC:([A-Za-z0-9_]+):([A-Za-z0-9_-]{38,})\]")


@dataclass(frozen=True)
class Operator:
    """What replaces an entity. `text` is `replace`'s text (default `[LABEL]`); `mask` replaces
    `chars` characters (all when None) with `char`, from the end when `from_end`."""

    kind: Kind = "replace"
    text: str | None = None
    char: str = "*"
    chars: int | None = None
    from_end: bool = False

    @classmethod
    def from_dict(cls, record: Mapping[str, Any], where: str) -> Operator:
        known = {"type", "text", "char", "chars", "from_end"}
        if not isinstance(record, Mapping) or record.get("type") not in KINDS or set(record) - known:
            raise NerkitError(
                "E071",
                f"{where}: expected {{type: {'|'.join(KINDS)}}} with optional text, char, chars, from_end",
            )
        chars = record.get("chars")
        if chars is not None and (not isinstance(chars, int) or chars < 0):
            raise NerkitError("E071", f"{where}: chars must be a whole number >= 0")
        if not isinstance(record.get("char", "*"), str) or len(record.get("char", "*")) != 1:
            raise NerkitError("E071", f"{where}: char must be one character")
        return cls(
            record["type"], record.get("text"), record.get("char", "*"), chars, bool(record.get("from_end"))
        )


@dataclass(frozen=True)
class Anonymizer:
    """Operators per label (`DEFAULT` for the rest) and the secret that `hash` and `encrypt` use."""

    operators: Mapping[str, Operator] = field(default_factory=lambda: {DEFAULT: Operator()})
    secret: bytes | None = field(default=None, repr=False)
    scope: Literal["document", "batch"] = "batch"
    """Where pseudonyms stay the same: within each text, or across every text of one call."""

    def __post_init__(self) -> None:
        kinds = {operator.kind for operator in self.operators.values()}
        if self.secret is None and "encrypt" in kinds:
            raise NerkitError(
                "E072",
                "encrypt needs a secret key, to decrypt with later",
                hint=f"Pass --key-file FILE or set {KEY_VARIABLE}; keep the key to run `nerkit deanonymize`.",
            )
        if self.secret is None:
            object.__setattr__(self, "secret", os.urandom(32))

    @classmethod
    def from_style(cls, style: str, secret: bytes | None = None) -> Anonymizer:
        """One operator for every label: `label` (replace), `mask`, `hash`, `pseudonym`, `encrypt`."""
        kind = "replace" if style == "label" else style
        if kind not in KINDS:
            raise NerkitError(
                "E042", f"unknown redaction style {style!r}", hint=f"Use label, {', '.join(KINDS[1:])}."
            )
        return cls({DEFAULT: Operator(kind)}, secret)  # type: ignore[arg-type]

    @classmethod
    def from_mapping(
        cls,
        operators: Mapping[str, Any],
        secret: bytes | None = None,
        known_labels: Iterable[str] | None = None,
        where: str = "operators",
    ) -> Anonymizer:
        """From `{"PERSON": {"type": "pseudonym"}, "DEFAULT": {"type": "replace"}}` (a file or a request)."""
        if not isinstance(operators, Mapping) or not operators:
            raise NerkitError("E071", f"{where}: expected a mapping of label to operator")
        known = set(known_labels) | {DEFAULT} if known_labels is not None else None
        unknown = sorted(set(operators) - known) if known is not None else []
        if unknown:
            raise NerkitError(
                "E073",
                f"{where}: unknown label {unknown[0]!r}",
                hint=f"Labels are: {', '.join(sorted(known or ()))}.",
            )
        parsed = {
            label: Operator.from_dict(record, f"{where}, {label}") for label, record in operators.items()
        }
        return cls({DEFAULT: Operator(), **parsed}, secret)

    @classmethod
    def from_file(
        cls, path: str | Path, secret: bytes | None = None, known_labels: Iterable[str] | None = None
    ) -> Anonymizer:
        path = Path(path)
        operators = read_settings(path, "E071", "operators")
        return cls.from_mapping(operators, secret, known_labels, where=str(path))

    def operator(self, label: str) -> Operator:
        return self.operators.get(label) or self.operators.get(DEFAULT) or Operator()

    def replacement(self, label: str, text: str, pseudonyms: dict[tuple[str, str], str]) -> str:
        operator = self.operator(label)
        assert self.secret is not None
        if operator.kind == "replace":
            return operator.text if operator.text is not None else f"[{label}]"
        if operator.kind == "keep":
            return text
        if operator.kind == "mask":
            count = len(text) if operator.chars is None else min(operator.chars, len(text))
            if operator.from_end:
                return text[: len(text) - count] + operator.char * count
            return operator.char * count + text[count:]
        if operator.kind == "hash":
            digest = hmac.new(
                _derived(self.secret, b"nerkit hash"), f"{label}\0{text}".encode(), hashlib.sha256
            )
            return f"[{label}:{digest.hexdigest()[:12]}]"
        if operator.kind == "pseudonym":
            key = (label, " ".join(text.split()).casefold())
            if key not in pseudonyms:
                pseudonyms[key] = f"{label}_{sum(1 for other in pseudonyms if other[0] == label) + 1}"
            return pseudonyms[key]
        return encrypt(text, label, self.secret)


def read_secret(key_file: str | Path | None) -> bytes | None:
    """The secret from `key_file`, else from `$NERKIT_KEY`, else None."""
    if key_file is not None:
        try:
            secret = Path(key_file).read_bytes().strip()
        except OSError as error:
            raise NerkitError("E074", f"cannot read the key: {error.strerror}", path=key_file) from None
        if not secret:
            raise NerkitError("E074", "the key file is empty", path=key_file)
        return secret
    value = os.environ.get(KEY_VARIABLE)
    return value.encode() if value else None


def _derived(secret: bytes, purpose: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret)


def encrypt(text: str, label: str, secret: bytes) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    sealed = AESGCM(_derived(secret, b"nerkit encrypt")).encrypt(nonce, text.encode(), label.encode())
    return f"[ENC:{label}:{base64.urlsafe_b64encode(nonce + sealed).decode().rstrip('=')}]"


def deanonymize(text: str, secret: bytes) -> tuple[str, int]:
    """The text with every `[ENC:...]` token decrypted, and how many were. A token that does not open
    under this key is an error: a wrong key would otherwise pass for text that had nothing to restore."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    cipher = AESGCM(_derived(secret, b"nerkit encrypt"))
    pieces: list[str] = []
    position = count = 0
    for token in _TOKEN.finditer(text):
        raw = base64.urlsafe_b64decode(token.group(2) + "=" * (-len(token.group(2)) % 4))
        try:
            plain = cipher.decrypt(raw[:12], raw[12:], token.group(1).encode()).decode()
        except (InvalidTag, ValueError):
            raise NerkitError(
                "E075",
                f"the token at character {token.start()} does not decrypt with this key",
                hint="Use the key the text was anonymised with.",
            ) from None
        pieces += [text[position : token.start()], plain]
        position = token.end()
        count += 1
    pieces.append(text[position:])
    return "".join(pieces), count
