"""Columns of a survey export that identify the respondent by themselves: e-mail and IP addresses,
names, locations. Survey tools add them (Microsoft Forms' «Mail» and «Navn», Google Forms'
«Mailadresse», SurveyMonkey's «IP Address» and «Email Address», Qualtrics' «RecipientEmail» and
«LocationLatitude»). No schema may read them: a respondent id is shown in exports as it is, and an
attribute or answer made of them would carry the person into coding units."""

from __future__ import annotations

import re
from collections.abc import Iterable

# Header names (compared in lower case, without spaces, hyphens and underscores).
_PERSONAL_NAMES = frozenset(
    name.replace(" ", "").replace("-", "").replace("_", "")
    for name in (
        "mail", "e-mail", "email", "mailadresse", "e-mailadresse", "emailadresse", "email address",
        "e-mail address", "respondent email", "recipientemail", "recipient email",
        "ip", "ip address", "ipaddress", "ip-adresse", "ipadresse",
        "navn", "name", "fulde navn", "full name", "respondentens navn", "dit navn", "first name",
        "last name", "fornavn", "efternavn", "recipientfirstname", "recipientlastname",
        "recipient first name", "recipient last name",
        "locationlatitude", "locationlongitude", "location latitude", "location longitude",
        "breddegrad", "længdegrad", "latitude", "longitude",
    )
)
_EMAIL_RE = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
# IPv4, or IPv6 written in full or with '::' (a time such as 10:05:00 is neither)
_IP_RE = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}|(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}|"
                    r"(?:[0-9a-f]{1,4}:){0,6}:(?::?[0-9a-f]{1,4}){1,6}", re.IGNORECASE)


def _name_key(name: str) -> str:
    """``name`` compared: without spaces, hyphens and underscores, and without the question in brackets
    that tells a repeated name apart («Navn (Hvem udfylder skemaet?)»)."""
    return re.sub(r"[\s_-]+", "", re.sub(r"\s*\([^()]*\)(?:\s\d+)?$", "", name)).casefold()


def personal_kind(name: str, values: Iterable[str] = ()) -> str | None:
    """What makes the column personal data ('e-mail addresses', 'IP addresses', 'names or locations
    of respondents'), or None: by its name, or by half or more of its filled cells."""
    filled = [value.strip() for value in values if value.strip()]
    if filled:
        emails = sum(1 for value in filled if _EMAIL_RE.fullmatch(value))
        ips = sum(1 for value in filled if _IP_RE.fullmatch(value))
        if emails * 2 >= len(filled):
            return "e-mail addresses"
        if ips * 2 >= len(filled):
            return "IP addresses"
    key = _name_key(name)
    if key in _PERSONAL_NAMES:
        if "mail" in key:
            return "e-mail addresses"
        if key.startswith("ip"):
            return "IP addresses"
        return "respondents' names or locations"
    return None
