"""Columns of a survey export that identify the respondent by themselves: e-mail and IP addresses,
CPR and phone numbers, names, locations. Survey tools add them (Microsoft Forms' «Mail» and «Navn»,
Google Forms' «Mailadresse», SurveyMonkey's «IP Address» and «Email Address», Qualtrics' «RecipientEmail» and
«LocationLatitude»). No schema may read them: a respondent id is shown in exports as it is, and an
attribute or answer made of them would carry the person into coding units."""

from __future__ import annotations

import ipaddress
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
        "cpr", "cpr-nr", "cprnr", "cpr-nummer", "cprnummer", "personnummer",
        "telefon", "telefonnummer", "tlf", "tlf.", "tlf.nr", "tlf.nr.", "mobil", "mobilnummer", "mobilnr",
        "phone", "phone number", "mobile",
    )
)
EMAIL_RE = re.compile(r"([\w.+'-]+)@[\w-]+(?:\.[\w-]+)+")  # group 1: the part before the @
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"  # 0-255 without leading zeros: not 1.000.000.000
_IPV4_RE = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")
# a time typed with a double colon («11::30», «9::15», «11:30::»), which the ipaddress module reads as
# IPv6: two or three groups of one or two digits (no survey tool writes a respondent's address so)
_TIME_LIKE_RE = re.compile(r"\d{1,2}:{1,2}\d{0,2}:{0,2}\d{0,2}")
# a Danish CPR number: ddmmyy-xxxx (the dash may be left out)
_CPR_RE = re.compile(r"(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{2}[- ]?\d{4}")
# the answers of a yes/no question («E-mail (Må vi kontakte dig?)»): no address, name or number
_YES_NO = frozenset({"ja", "nej", "yes", "no", "ja tak", "nej tak", "ved ikke", "true", "false"})


def is_ip_address(value: str) -> bool:
    """True for an IPv4 address (four numbers 0-255 without leading zeros, not «1.000.000.000») or an
    IPv6 address as the ipaddress module reads it, but for a time typed with a double colon
    («11::30»), which that module reads as IPv6 too."""
    value = value.strip()
    if _IPV4_RE.fullmatch(value):
        return True
    if ":" not in value or _TIME_LIKE_RE.fullmatch(value):
        return False
    try:
        return ipaddress.ip_address(value).version == 6
    except ValueError:
        return False


def _name_key(name: str) -> str:
    """``name`` compared: without spaces, hyphens and underscores, and without the question in brackets
    that tells a repeated name apart («Navn (Hvem udfylder skemaet?)»)."""
    return re.sub(r"[\s_-]+", "", re.sub(r"\s*\([^()]*\)(?:\s\d+)?$", "", name)).casefold()


def personal_kind(name: str, values: Iterable[str] = ()) -> str | None:
    """What makes the column personal data ('e-mail addresses', 'IP addresses', 'CPR numbers', 'phone
    numbers', 'names or locations of respondents'), or None: by half or more of its filled cells, or by
    its name — unless every filled cell answers yes or no (a question about e-mail, not addresses).
    Phone numbers are known by the column's name only."""
    filled = [value.strip() for value in values if value.strip()]
    if filled:
        for kind, test in (("e-mail addresses", EMAIL_RE.fullmatch), ("IP addresses", is_ip_address),
                           ("CPR numbers", _CPR_RE.fullmatch)):
            if sum(1 for value in filled if test(value)) * 2 >= len(filled):
                return kind
        if all(value.strip(" .!").casefold() in _YES_NO for value in filled):
            return None
    key = _name_key(name)
    if key in _PERSONAL_NAMES:
        if "mail" in key:
            return "e-mail addresses"
        if key.startswith("ip"):
            return "IP addresses"
        if key.startswith(("cpr", "person")):
            return "CPR numbers"
        if key.startswith(("tlf", "telefon", "mobil", "phone")):
            return "phone numbers"
        return "respondents' names or locations"
    return None
