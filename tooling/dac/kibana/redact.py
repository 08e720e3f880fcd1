"""Checks and masks that keep credentials out of headers, messages and logs.

The Kibana and Elasticsearch clients share these helpers. ``check_secret``
runs when a secret is read, so a pasted line break fails early with a
message that names the source. The mask functions hide a known secret, or
the password part of a URL, in text that is about to become an error.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

from dac.errors import ConfigError

MASK = "***"

# Forms shorter than this are not masked, because replacing every "abc" in a
# server message would hide more than it protects. The full secret is masked
# at any length.
MIN_MASKED_FORM = 4

# One percent-encoded octet, such as ``%2B``.
_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")

_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")

# ``scheme://userinfo@``: the userinfo part stops at the first character that
# cannot be in it, so a match costs one pass over the text.
_URL_USERINFO = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<info>[^/?#@\s'\"]+)@"
)


def check_secret(value: str, source: str, *, ascii_only: bool = False) -> None:
    """Raise :class:`ConfigError` when ``value`` cannot travel in an HTTP header.

    ``source`` names where the value was read ("environment variable X",
    "credential file P"). The message names the source and the kind of
    character, never the value. ``ascii_only`` also rejects non-ASCII
    characters, for API keys, which are base64 text.
    """
    for character in value:
        if character in _LINE_BREAKS:
            raise ConfigError(
                f"the credential from {source} contains a line break; "
                "store only the credential, on one line"
            )
        if unicodedata.category(character) == "Cc":
            raise ConfigError(
                f"the credential from {source} contains the control character "
                f"U+{ord(character):04X}; store only the credential, on one line"
            )
        if ascii_only and not character.isascii():
            raise ConfigError(
                f"the credential from {source} contains the non-ASCII character "
                f"U+{ord(character):04X}; an API key is base64 text, so copy the "
                "'encoded' value again"
            )


def secret_forms(secrets: Iterable[str | None]) -> tuple[str, ...]:
    """Return the strings to mask for ``secrets``, longest first.

    For each secret: the value, its base64 form, its JSON-escaped form and,
    when the value is base64 of ``id:key`` or ``user:password`` (an encoded
    API key or a Basic token), the decoded pair and its second half. Each of
    these also gets its percent-encoded forms (see :func:`_url_encoded_forms`),
    because a server can echo a credential taken from a URL or a form body.
    """
    forms: set[str] = set()
    for secret in secrets:
        if not secret:
            continue
        forms.add(secret)
        candidates = {secret, base64.b64encode(secret.encode()).decode("ascii")}
        decoded = _decode_base64(secret)
        if decoded is not None:
            candidates.add(decoded)
            if ":" in decoded:
                candidates.add(decoded.split(":", 1)[1])
        for candidate in candidates:
            if len(candidate) >= MIN_MASKED_FORM:
                forms.add(candidate)
                forms.add(json.dumps(candidate)[1:-1])
                forms.update(_url_encoded_forms(candidate))
    return tuple(sorted(forms, key=len, reverse=True))


def mask_secrets(text: str, forms: Iterable[str]) -> str:
    """Replace each of ``forms`` (from :func:`secret_forms`) in ``text`` by ``***``."""
    for form in forms:
        if form:
            text = text.replace(form, MASK)
    return text


def mask_url_passwords(text: str) -> str:
    """Mask the userinfo of every URL in ``text``, keeping a user name.

    ``http://elastic:pw@host`` becomes ``http://elastic:***@host``, and a
    userinfo without a colon (often a token) becomes ``***``.
    """

    def replace(match: re.Match[str]) -> str:
        user, colon, _ = match.group("info").partition(":")
        info = f"{user}:{MASK}" if colon else MASK
        return f"{match.group('scheme')}{info}@"

    return _URL_USERINFO.sub(replace, text)


def _url_encoded_forms(value: str) -> set[str]:
    """Return ``value`` percent-encoded as a URL path, a query and a form would.

    ``quote`` keeps ``/`` by default and ``quote_plus`` writes a space as
    ``+``. Both write hex digits in upper case, but RFC 3986 makes the case
    insignificant, so the lower-case spelling is added too.
    """
    encoded = {
        quote(value),
        quote(value, safe=""),
        quote_plus(value),
        quote_plus(value, safe="/"),
        # JavaScript's encodeURI, which keeps URI delimiters such as "+".
        quote(value, safe=";,/?:@&=+$-_.!~*'()#"),
    }
    lower = {_PERCENT_ESCAPE.sub(lambda m: m.group(0).lower(), e) for e in encoded}
    return (encoded | lower) - {value}


def _decode_base64(value: str) -> str | None:
    """Return ``value`` decoded from base64 as UTF-8 text, or None."""
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if text.isprintable() else None
