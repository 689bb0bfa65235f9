"""The rule coder (``hoi.rules.v1``): codebook patterns matched with spaCy.

Three kinds of pattern, all from the codebook: ``lemma`` phrases (matched on lemmas, so any
inflected form matches), exact ``phrase``s (case-insensitive) and spaCy ``tokens`` patterns
(validated on load). A code's confidence is the noisy-OR of the weights of its distinct
matching patterns, so two independent cues count for more than one. Every assignment keeps
its evidence: the matched span (offsets into the segment text) and, in ``Evidence.pattern``,
what matched in the analyst's words — the phrase, the lemma phrase ("… (og bøjninger)") or the
words a token pattern matched, with "…" for words it skipped — never spaCy pattern syntax.
:func:`readable_pattern` renders a whole pattern the same way (for explanations).
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from hoi_nlp.codebook import Codebook, Pattern
from hoi_nlp.coding.base import RULES_V1
from hoi_nlp.coding.registry import CoderOptions
from hoi_nlp.nlp.pipeline import DEFAULT_PIPELINE, load_pipeline
from hoi_nlp.records import CodeAssignment, Evidence, Segment
from hoi_nlp.settings import Settings

logger = logging.getLogger(__name__)

MAX_RULE_CONFIDENCE = 0.99


@dataclass(frozen=True)
class RuleHit:
    """One pattern match inside a text."""

    code_id: str
    pattern_index: int
    start: int
    end: int
    text: str
    weight: float
    pattern: str


class RuleCoder:
    """Assign codes by matching the codebook's patterns."""

    name = RULES_V1
    method = "rule"

    def __init__(self, codebook: Codebook, *, pipeline: str = DEFAULT_PIPELINE,
                 min_confidence: float = 0.0) -> None:
        self.codebook = codebook
        self.min_confidence = min_confidence
        self.nlp: Language = load_pipeline(pipeline)
        self._patterns: dict[str, tuple[str, int, Pattern, str]] = {}
        self._lower = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self._lemma = PhraseMatcher(self.nlp.vocab, attr="LEMMA")
        self._tokens = TokenPatternIndex(self.nlp.vocab)
        self._add_patterns()

    def _add_patterns(self) -> None:
        for code in self.codebook.codes:
            for index, pattern in enumerate(code.patterns):
                key = f"{code.id}#{index}"
                self._patterns[key] = (code.id, index, pattern, readable_pattern(pattern))
                if pattern.kind == "tokens":
                    self._tokens.add(key, pattern.tokens)
                elif pattern.kind == "phrase":
                    self._lower.add(key, [self.nlp.make_doc(pattern.phrase or "")])
                else:
                    self._lemma.add(key, [self.nlp(pattern.lemma or "")])
        logger.info("rule coder: %d patterns for %d codes", len(self._patterns), len(self.codebook.codes))

    def hits(self, doc: Doc) -> list[RuleHit]:
        """All pattern matches in ``doc`` (offsets into ``doc.text``)."""
        found: list[RuleHit] = []
        for matcher in (self._lower, self._lemma):
            if not len(matcher):
                continue
            for match_id, start, end in matcher(doc):
                code_id, index, pattern, described = self._patterns[self.nlp.vocab.strings[match_id]]
                span = doc[start:end]
                found.append(RuleHit(code_id, index, span.start_char, span.end_char, span.text,
                                     pattern.weight, described))
        if len(self._tokens):
            for match_id, start, end, alignment in self._tokens.aligned(doc):
                code_id, index, pattern, _ = self._patterns[self.nlp.vocab.strings[match_id]]
                span = doc[start:end]
                found.append(RuleHit(code_id, index, span.start_char, span.end_char, span.text,
                                     pattern.weight, matched_words(span, pattern.tokens or [], alignment)))
        found.sort(key=lambda hit: (hit.code_id, hit.start, hit.pattern_index))
        return found

    def code_doc(self, doc: Doc, segment_id: str) -> list[CodeAssignment]:
        """Assignments for one processed segment."""
        by_code: dict[str, list[RuleHit]] = defaultdict(list)
        for hit in self.hits(doc):
            by_code[hit.code_id].append(hit)
        return [self._assignment(segment_id, code_id, hits) for code_id, hits in by_code.items()]

    def _assignment(self, segment_id: str, code_id: str, hits: list[RuleHit]) -> CodeAssignment:
        return CodeAssignment(
            segment_id=segment_id,
            code_id=code_id,
            confidence=noisy_or({hit.pattern_index: hit.weight for hit in hits}.values()),
            method="rule",
            coder=self.name,
            codebook_version=self.codebook.version_tag,
            evidence=tuple(Evidence(start=h.start, end=h.end, text=h.text, pattern=h.pattern) for h in hits),
        )

    def code(self, segments: Sequence[Segment]) -> list[CodeAssignment]:
        """Code ``segments``; returns zero or more assignments per segment."""
        assignments: list[CodeAssignment] = []
        docs = self.nlp.pipe((seg.text for seg in segments), batch_size=256)
        for seg, doc in zip(segments, docs, strict=True):
            assignments.extend(self.code_doc(doc, seg.segment_id))
        return [a for a in assignments if a.confidence >= self.min_confidence]


class TokenPatternIndex:
    """spaCy token patterns, each run only on docs where it can match.

    A pattern's required tokens (no ``OP`` or ``OP: "+"``) with a plain ``LOWER`` test (a
    string, ``REGEX`` or ``IN``) must each hold for some token of the doc; patterns that fail
    this are skipped, the rest run through spaCy's own ``Matcher``. Results are exactly those of
    one ``Matcher`` over all patterns; the index only saves the work on docs that cannot match
    (the tests are evaluated once per distinct lower-cased token: word tests by one lookup, a
    regex anchored at the start only on words beginning with a character it can start with).
    """

    def __init__(self, vocab: object) -> None:
        self._vocab = vocab
        self._matchers: dict[str, Matcher] = {}
        self._tests: dict[tuple[str, str], int] = {}
        self._test_functions: list[Callable[[str], bool]] = []
        self._tests_by_word: dict[str, list[int]] = defaultdict(list)  # "eq" and "in" tests
        self._regex_by_first: dict[str, list[int]] = defaultdict(list)  # anchored: by first character
        self._regex_anywhere: list[int] = []
        self._required: dict[str, frozenset[int]] = {}
        self._by_first_test: dict[int, list[str]] = defaultdict(list)
        self._always: list[str] = []
        self._fired_by_token: dict[str, frozenset[int]] = {}

    def __len__(self) -> int:
        return len(self._matchers)

    def add(self, key: str, tokens: list[dict]) -> None:
        """Add one token pattern under ``key`` (validated by spaCy)."""
        matcher = Matcher(self._vocab, validate=True)
        matcher.add(key, [tokens])
        self._matchers[key] = matcher
        required = [test for spec in tokens if (test := self._required_test(spec)) is not None]
        self._required[key] = frozenset(required)
        if required:
            self._by_first_test[required[0]].append(key)
        else:
            self._always.append(key)
        self._fired_by_token.clear()

    def _required_test(self, spec: dict) -> int | None:
        if spec.get("OP", "+") != "+" or set(spec) - {"OP"} != {"LOWER"}:
            return None
        value = spec["LOWER"]
        if isinstance(value, str):
            kind, argument = "eq", value
        elif isinstance(value, dict) and set(value) == {"REGEX"}:
            kind, argument = "re", value["REGEX"]
        elif isinstance(value, dict) and set(value) == {"IN"}:
            kind, argument = "in", "\x1f".join(value["IN"])
        else:
            return None
        if (kind, argument) not in self._tests:
            self._index_test(len(self._test_functions), kind, argument)
            self._tests[(kind, argument)] = len(self._test_functions)
            self._test_functions.append(_lower_test(kind, argument))
        return self._tests[(kind, argument)]

    def _index_test(self, test: int, kind: str, argument: str) -> None:
        if kind != "re":
            for word in argument.split("\x1f") if kind == "in" else [argument]:
                self._tests_by_word[word].append(test)
            return
        firsts = regex_first_characters(argument)
        if firsts is None:
            self._regex_anywhere.append(test)
        for char in firsts or ():
            self._regex_by_first[char].append(test)

    def _fired(self, doc: Doc) -> set[int]:
        fired: set[int] = set()
        for token in doc:
            lower = token.lower_
            tests = self._fired_by_token.get(lower)
            if tests is None:
                tests = self._fired_by_token[lower] = self._tests_passed(lower)
            fired |= tests
        return fired

    def _tests_passed(self, lower: str) -> frozenset[int]:
        regexes = [*self._regex_by_first.get(lower[:1], ()), *self._regex_anywhere]
        return frozenset(self._tests_by_word.get(lower, ())).union(
            i for i in regexes if self._test_functions[i](lower))

    def candidates(self, doc: Doc) -> Iterator[str]:
        """Keys of the patterns that may match ``doc``."""
        fired = self._fired(doc)
        yield from self._always
        for test in fired:
            for key in self._by_first_test.get(test, ()):
                if self._required[key] <= fired:
                    yield key

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        """``(match_id, start, end)`` triples, as spaCy's ``Matcher`` returns them."""
        return [match for key in self.candidates(doc) for match in self._matchers[key](doc)]

    def aligned(self, doc: Doc) -> list[tuple[int, int, int, list[int]]]:
        """``(match_id, start, end, alignment)``: which pattern token matched each token of the span."""
        return [match for key in self.candidates(doc)
                for match in self._matchers[key](doc, with_alignments=True)]  # type: ignore[misc]


def _lower_test(kind: str, argument: str) -> Callable[[str], bool]:
    if kind == "eq":
        return argument.__eq__
    if kind == "in":
        return frozenset(argument.split("\x1f")).__contains__
    pattern = re.compile(argument)
    return lambda text: pattern.search(text) is not None


def regex_first_characters(regex: str) -> frozenset[str] | None:
    """The characters a string must start with for ``re.search(regex, string)`` to succeed, or
    ``None`` where that is not known (not anchored at the start, flags, a first part that may be
    empty or is a class of characters). Read from Python's own parse of the regex."""
    from re import _parser  # type: ignore[attr-defined]

    try:
        parsed = _parser.parse(regex)
    except (re.error, RecursionError):
        return None
    items = list(parsed)
    if parsed.state.flags & (re.IGNORECASE | re.MULTILINE) or not items:
        return None
    if items[0] not in ((_parser.AT, _parser.AT_BEGINNING), (_parser.AT, _parser.AT_BEGINNING_STRING)):
        return None
    return _first_characters(items[1:], _parser)


def _first_characters(items: list, parser: object) -> frozenset[str] | None:
    if not items:
        return None
    op, argument = items[0]
    if op is parser.LITERAL:  # type: ignore[attr-defined]
        return frozenset({chr(argument)})
    if op is parser.SUBPATTERN:  # type: ignore[attr-defined]
        _group, add_flags, _del_flags, inner = argument
        return None if add_flags & re.IGNORECASE else _first_characters(list(inner), parser)
    if op is parser.BRANCH:  # type: ignore[attr-defined]
        parts = [_first_characters(list(branch), parser) for branch in argument[1]]
        return None if any(part is None for part in parts) else frozenset().union(*parts)  # type: ignore[arg-type]
    if op is parser.IN and all(kind is parser.LITERAL for kind, _ in argument):  # type: ignore[attr-defined]
        return frozenset(chr(code) for _, code in argument)
    return None


def _is_wildcard(spec: dict) -> bool:
    return not (set(spec) - {"OP"})


def matched_words(span: object, tokens: list[dict], alignment: Sequence[int]) -> str:
    """The words a token pattern matched, with "…" where it skipped words it does not care about."""
    words: list[str] = []
    for token, index in zip(span, alignment, strict=False):  # type: ignore[call-overload]
        spec = tokens[index] if 0 <= index < len(tokens) else {}
        if _is_wildcard(spec):
            if words and words[-1] != "…":
                words.append("…")
        else:
            words.append(token.text)
    while words and words[-1] == "…":
        words.pop()
    return " ".join(words)


_ALTERNATIVES = re.compile(r"^\^?\((?:\?:)?([^()]*)\)(\$?)$")


def _regex_words(regex: str) -> str:
    """A word regex in words: ``^(a|b)$`` → ``a/b``, ``^(a|b)`` → ``a…/b…``, ``^x`` → ``x…``."""
    match = _ALTERNATIVES.match(regex)
    if match:
        alternatives, closed = match.group(1).split("|"), bool(match.group(2))
    else:
        closed = regex.endswith("$")
        alternatives = [regex]
    out = []
    for alternative in alternatives:
        ends = closed or alternative.endswith("$")
        word = re.sub(r"\\[bwWdsS]|[\^$()?:]|\.\*|\.\+|\[[^\]]*\][*+?]?", "", alternative)
        out.append(word if ends else f"{word}…")
    return "/".join(out[:6]) + (" osv." if len(out) > 6 else "")


def _token_words(spec: dict) -> str:
    if _is_wildcard(spec):
        return "…"
    for attr in ("LOWER", "ORTH", "TEXT", "LEMMA", "NORM"):
        value = spec.get(attr)
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and "REGEX" in value:
            return _regex_words(str(value["REGEX"]))
        if isinstance(value, dict) and "IN" in value:
            return "/".join(str(v) for v in value["IN"][:6]) + (" osv." if len(value["IN"]) > 6 else "")
    return "…"


def readable_pattern(pattern: Pattern) -> str:
    """A codebook pattern in words: ``høste gevinst (og bøjninger)``, ``faglige/forskellige briller…``."""
    if pattern.kind == "lemma":
        return f"{pattern.lemma} (og bøjninger)"
    if pattern.kind == "phrase":
        return pattern.phrase or ""
    words: list[str] = []
    for spec in pattern.tokens or []:
        word = _token_words(spec)
        if word == "…" and words and words[-1] == "…":
            continue
        words.append(word)
    return " ".join(words).strip(" …") or "…"


def noisy_or(weights: object) -> float:
    """Combine independent pattern weights: ``1 - prod(1 - w)``, capped below 1."""
    remaining = 1.0
    for weight in weights:  # type: ignore[attr-defined]
        remaining *= 1.0 - float(weight)
    return round(min(MAX_RULE_CONFIDENCE, 1.0 - remaining), 4)


def build_rule_coder(codebook: Codebook, settings: Settings, options: CoderOptions) -> RuleCoder:
    """The rule coder (registered as ``hoi.rules.v1``); ``options.min_confidence`` drops weaker hits."""
    return RuleCoder(codebook, pipeline=settings.nlp.pipeline, min_confidence=options.min_confidence or 0.0)
