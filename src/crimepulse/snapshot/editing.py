"""Editable wording, locked numbers: a draft's prose as a template the communications
team edits, and the checks that keep every number a Fact's.

The template is plain text, one sentence (block) per line, sections headed `## key`:

    ## headline
    - Robbery went up, by more than its usual variation: {robbery_2023.current} in {2023},
      against {robbery_2023.previous} in {2022} ({robbery_2023.change_pct}; ...).
      - a point under the bullet before it
      > an entry's own words, quoted
    A paragraph.

    [context]
    Behind every headline is a victim.
    [/context]

Braces hold everything that is a number. `{slug.field}` is a Fact's field (`current`,
`previous`, `change_pct`, `usual`, `value`, `ci_low`, `ci_high`; `|style` after it picks a
number style, e.g. `{homicide_2023.current|words}`), where the slug names the Fact by its
category, area and period; rendering writes the Fact's value, formatted. `{December 2023}`
is a phrase the builder wrote with figures in it (a period, "13 weeks"): it may be moved or
dropped, never invented. Any other figure in the text is refused (in words too), and so
is a Fact number cited fewer times than in the draft, a slug or phrase the draft does not
have, a sentence whose words ("rose", "fell", "up", "down", ...) contradict its Fact's
verdict, and a paragraph that cites no Fact and is not the builder's own words. A
`[context]` block is free text (an announcement, a link) published labelled as
unverified; it may hold no figure. Lines starting with `#` are comments. The checks
raise `ValidationFailed` with one `FieldError` per problem, its field the line ("line 3");
nothing here prints, so the CLI and the web share them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from crimepulse.errors import FieldError, ValidationFailed
from crimepulse.present import numbers, words
from crimepulse.snapshot.model import Block, Section, Sentence, Snapshot, Span
from crimepulse.snapshot.narrative import count_style, merged
from crimepulse.snapshot.text import CONTEXT

EDITABLE = ("headline", "year", "national", "well", "improve", "operations", "next")
CONTEXT_OPEN, CONTEXT_CLOSE = "[context]", "[/context]"
# Short names for the fields a number span cites (the rest keep their own name).
FIELD_NAMES = {"stats.usual_change_pct": "usual"}
FIELDS = {"current", "previous", "value", "change_pct", "ci_low", "ci_high", "usual"}
_DEFAULT_STYLES = {"change_pct": "pct", "usual": "spread", "p_value": "p"}
PREFIXES = {"li": "- ", "sub": "  - ", "quote": "  > "}
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
# A phrase the builder writes with figures in it: a day range, a month, a year, "13 weeks".
_PHRASE = re.compile(
    rf"(?:\d{{1,2}} (?:(?:{_MONTHS}) )?to )?(?:\d{{1,2}} )?(?:(?:{_MONTHS}) )?"
    r"\d(?:[\d,.:/–-]*\d)?(?: (?:weeks?|days?|months?|years?))?"
)
_BRACED = re.compile(r"\{([^{}]*)\}")
RISE: tuple[str, ...] = (
    "went up",
    "rose",
    "risen",
    "rising",
    "increase",
    "increased",
    "up",
    "higher",
    "more than",
)
FALL: tuple[str, ...] = (
    "went down",
    "fell",
    "fallen",
    "falling",
    "decrease",
    "decreased",
    "down",
    "lower",
)
FALL += ("fewer", "fewer than", "drop", "dropped", "reduced", "reduction")
# How big a change is, not which way it went ("went down, by more than its usual variation").
NEUTRAL = ("by more than", "more or fewer", "more than it usually", "fewer than it usually")
# Numbers in words count as numbers too ("one" and "no" are left alone: "no one", "one of").
NUMBER_WORDS = re.compile(
    r"(?<![\w-])(two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    r"eighty|ninety|hundreds?|thousands?|millions?|billions?|dozens?)(?![\w-])",
    re.IGNORECASE,
)
# What the builder wrote with a number in it, locked in braces: its periods and figures,
# and numbers in words (an entry's approved summary: "six defendants").
_LOCKED = re.compile(f"{_PHRASE.pattern}|{NUMBER_WORDS.pattern}", re.IGNORECASE)


@dataclass(frozen=True)
class Binding:
    """What one `{slug.field}` placeholder names: a Fact's field, in a number style."""

    fact: str
    field: str
    style: str


def _slug_part(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def slugs(snapshot: Snapshot) -> dict[str, str]:
    """A readable, unique name for every Fact of the snapshot: category, area (when not
    the force), period, and the operation of an outcomes-log Fact ("robbery_2023",
    "robbery_arrest_week", "gangs_arrest_hackney_5_january_2024"; "_2" when two agree)."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for fact_id, fact in snapshot.facts.items():
        themes = (fact.get("query") or {}).get("themes") or []
        parts = [_slug_part(str(themes[0]))] if len(themes) == 1 else []  # the operation
        parts.append(_slug_part(str(fact["category"]["name"])))
        if fact["area"].get("level") != "force":
            parts.append(_slug_part(str(fact["area"]["name"])))
        window = fact.get("window") or {}
        if window.get("name") == "week":
            parts.append("week")  # the snapshot's week: its dates are in the template
        elif window.get("start") and window.get("end"):
            parts.append(_slug_part(numbers.span(window["start"], window["end"])))
        base = "_".join(p for p in parts if p) or "fact"
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}_{n}"
        taken.add(name)
        out[fact_id] = name
    return out


def default_style(fact: dict[str, Any], field: str) -> str:
    """The style a placeholder without `|style` gets (as the builder chooses it)."""
    if field in _DEFAULT_STYLES:
        return _DEFAULT_STYLES[field]
    return count_style(fact.get(field))


def phrases(snapshot: Snapshot) -> set[str]:
    """The figure-bearing phrases the builder wrote in the editable sections."""
    found: set[str] = set()
    for block in _editable_blocks(snapshot):
        for span in block.spans:
            if span.fact is None:
                found.update(m.group(0) for m in _phrases_in(span.text))
    return found


def _phrases_in(text: str) -> list[re.Match[str]]:
    return list(_LOCKED.finditer(text))


def _editable_blocks(snapshot: Snapshot) -> list[Block]:
    return [b for s in snapshot.sections if s.key in EDITABLE for b in s.blocks]


def builder_sentences(snapshot: Snapshot) -> set[str]:
    """The builder's own fact-free sentences (its lead-ins and closing), as templates."""
    return {
        _line_text(snapshot, b, {})
        for b in _editable_blocks(snapshot)
        if b.kind != CONTEXT and not b.facts()
    }


# -- document -> template --------------------------------------------------------------------


def _line_text(snapshot: Snapshot, block: Block, names: dict[str, str]) -> str:
    out = []
    for span in block.spans:
        if span.fact is None:
            out.append(_LOCKED.sub(lambda m: "{" + m.group(0) + "}", span.text))
            continue
        fact = snapshot.facts[span.fact]
        field = FIELD_NAMES.get(span.field or "value", span.field or "value")
        style = span.style or "count"
        suffix = "" if style == default_style(fact, field) else f"|{style}"
        out.append("{" + f"{names.get(span.fact, span.fact)}.{field}{suffix}" + "}")
    return "".join(out)


HEADER = """\
# Edit any word; numbers stay in {braces}. {slug.field} is a Fact's number, written
# when the snapshot is rendered; {December 2023} is a period the builder wrote. A figure
# typed outside braces, a Fact number removed, or words that contradict a Fact's verdict
# are refused. Free text with no Fact goes between [context] and [/context] lines and is
# published labelled "unverified text". Lines starting with # are ignored.
"""


def to_template(snapshot: Snapshot) -> str:
    """The editable sections as a template (with a comment listing every Fact number)."""
    names = slugs(snapshot)
    lines = [HEADER.rstrip("\n"), "#", "# The Facts' numbers in this snapshot:"]
    for block in _editable_blocks(snapshot):
        for span in block.spans:
            if span.fact and span.field:
                fact = snapshot.facts[span.fact]
                field = FIELD_NAMES.get(span.field, span.field)
                judged = words.verdict_words(fact.get("verdict")) if fact.get("test") else None
                entry = (
                    f"#   {{{names[span.fact]}.{field}}} = {span.render(snapshot.facts)}"
                    f"  ({judged or 'a total, not a tested change'})"
                )
                if entry not in lines:
                    lines.append(entry)
    for section in snapshot.sections:
        if section.key not in EDITABLE:
            continue
        lines += ["", f"## {section.key}"]
        for block in section.blocks:
            text = _line_text(snapshot, block, names)
            if block.kind == CONTEXT:
                lines += [CONTEXT_OPEN, *text.split("\n"), CONTEXT_CLOSE]
            else:
                lines.append(PREFIXES.get(block.kind, "") + text)
    return "\n".join(lines) + "\n"


# -- template -> document, checked ----------------------------------------------------------


@dataclass
class _Checker:
    snapshot: Snapshot
    bindings: dict[str, Binding]
    phrases: set[str]
    problems: list[FieldError]

    def refuse(self, line: int, reason: str) -> None:
        self.problems.append(FieldError(f"line {line}", reason))

    def suggestion(self, figure: str) -> str:
        for name, b in self.bindings.items():
            fact = self.snapshot.facts[b.fact]
            if (
                Span(fact=b.fact, field=b.field, style=b.style).render(self.snapshot.facts)
                == figure
                or str(fact.get(b.field)) == figure
            ):
                return f"; use {{{name}}}"
        return "; every number must be a Fact's placeholder"

    def spans(self, line: int, text: str, free: bool) -> Sentence:
        """The line as spans: braces become Fact numbers or the builder's phrases."""
        out: Sentence = []
        pos = 0
        for match in _BRACED.finditer(text):
            out += self.words(line, text[pos : match.start()], free)
            out += self.placeholder(line, match.group(1).strip(), free)
            pos = match.end()
        out += self.words(line, text[pos:], free)
        return merged(out)

    def words(self, line: int, text: str, free: bool) -> Sentence:
        if "{" in text or "}" in text:
            self.refuse(line, "an unmatched brace: placeholders are written {name}")
        figures = [m.group(0) for m in re.finditer(r"[£$€]?\d(?:[\d,.]*\d)?%?", text)]
        for figure in figures + [m.group(0) for m in NUMBER_WORDS.finditer(text)]:
            if free:
                self.refuse(line, f"{figure!r} in unverified text: free context carries no numbers")
            else:
                self.refuse(line, f"{figure!r} is not bound to a Fact{self.suggestion(figure)}")
        return [Span(text)] if text else []

    def placeholder(self, line: int, name: str, free: bool) -> Sentence:
        key, _, style = name.partition("|")
        if key in self.bindings or (key.partition(".")[0] in _slug_names(self.bindings)):
            if free:
                self.refuse(line, f"{{{name}}} in unverified text: context cites no Fact")
                return []
            return self.fact_span(line, key, style, name)
        if name in self.phrases and not free:
            return [Span(name)]
        if name in self.phrases:
            self.refuse(line, f"{{{name}}} in unverified text: free context carries no numbers")
            return []
        self.refuse(line, f"{{{name}}} is not a Fact of this snapshot nor one of its periods")
        return []

    def fact_span(self, line: int, key: str, style: str, name: str) -> Sentence:
        slug, _, field = key.partition(".")
        fact_id = _slug_names(self.bindings)[slug]
        fact = self.snapshot.facts[fact_id]
        if field not in FIELDS:
            self.refuse(line, f"{{{name}}}: {field!r} is not one of {', '.join(sorted(FIELDS))}")
            return []
        path = next((k for k, v in FIELD_NAMES.items() if v == field), field)
        value: Any = fact
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            self.refuse(line, f"{{{name}}}: this Fact has no {field}")
            return []
        style = style or default_style(fact, field)
        if style not in numbers.STYLES:
            self.refuse(line, f"{{{name}}}: unknown number style {style!r}")
            return []
        return [Span(fact=fact_id, field=path, style=style)]


def _slug_names(bindings: dict[str, Binding]) -> dict[str, str]:
    return {name.partition(".")[0]: b.fact for name, b in bindings.items()}


def bindings(snapshot: Snapshot) -> dict[str, Binding]:
    """Every `{slug.field}` the draft's editable sentences cite."""
    names = slugs(snapshot)
    out: dict[str, Binding] = {}
    for block in _editable_blocks(snapshot):
        for span in block.spans:
            if span.fact and span.field:
                field = FIELD_NAMES.get(span.field, span.field)
                out.setdefault(
                    f"{names[span.fact]}.{field}",
                    Binding(span.fact, span.field, span.style or "count"),
                )
    return out


def contradiction(snapshot: Snapshot, spans: Sentence) -> str | None:
    """Why a sentence's words contradict a Fact it cites, or None: each clause (split at
    ';' and '.') that says a figure rose or fell must cite only Facts whose verdict says
    so. A clause citing no Fact borrows the sentence's."""
    clauses: list[tuple[str, list[str]]] = [("", [])]
    for span in spans:
        if span.fact:
            clauses[-1][1].append(span.fact)
            continue
        parts = re.split(r"(?<=[;.])\s", span.text)
        clauses[-1] = (clauses[-1][0] + parts[0], clauses[-1][1])
        clauses += [(p, []) for p in parts[1:]]
    every = list(dict.fromkeys(f for _, ids in clauses for f in ids))
    for text, ids in clauses:
        said = _direction(text)
        if said is None:
            continue
        for fact_id in ids or every:
            fact = snapshot.facts[fact_id]
            verdict = fact.get("verdict") if fact.get("test") else None
            if verdict == said:
                continue
            word = next(w for w in (RISE if said == words.UP else FALL) if _has(text, w))
            if verdict is None:
                why = "which is a total, not a tested change"
            else:
                why = f"whose verdict is {words.verdict_words(verdict)!r}"
            return f"{word!r} beside {fact_label(snapshot, fact_id)}, {why}"
    return None


def fact_label(snapshot: Snapshot, fact_id: str) -> str:
    fact = snapshot.facts[fact_id]
    return f"{{{slugs(snapshot)[fact_id]}}} ({numbers.fmt(fact.get('change_pct'), 'pct')})"


def _has(text: str, word: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text, re.IGNORECASE) is not None


def _direction(text: str) -> str | None:
    text = text.replace(words.SMALL_NUMBERS_SENTENCE, "")
    for phrase in NEUTRAL:
        text = re.sub(re.escape(phrase), " ", text, flags=re.IGNORECASE)
    rise = any(_has(text, w) for w in RISE)
    fall = any(_has(text, w) for w in FALL)
    if rise == fall:
        return None  # neither, or both (a comparison of two things): nothing to check
    return words.UP if rise else words.DOWN


def apply(snapshot: Snapshot, template: str) -> Snapshot:
    """The snapshot with its editable sections replaced by the edited template, or
    ValidationFailed naming each refused line. Facts, charts and the locked sections
    (trend, map, caveats) are the draft's own."""
    known = bindings(snapshot)
    checker = _Checker(snapshot, known, phrases(snapshot), [])
    own = builder_sentences(snapshot)
    sections: dict[str, Section] = {}
    order: list[str] = []
    current: Section | None = None
    context: list[str] | None = None
    context_line = 0
    for n, raw in enumerate(template.splitlines(), 1):
        line = raw.rstrip()
        if context is not None:
            if line.strip() == CONTEXT_CLOSE:
                spans = checker.spans(context_line, "\n".join(context).strip(), free=True)
                if current is not None and spans:
                    current.blocks.append(Block(CONTEXT, spans))
                context = None
            else:
                context.append(line)
            continue
        if not line.strip() or (line.lstrip().startswith("#") and not line.startswith("## ")):
            continue
        if line.startswith("## "):
            key = line[3:].strip()
            if key not in EDITABLE:
                checker.refuse(n, f"no section {key!r} to edit; use {', '.join(EDITABLE)}")
                current = None
                continue
            if key in sections:
                checker.refuse(n, f"section {key!r} appears twice")
            current = sections.setdefault(key, Section(key, _title(snapshot, key)))
            order.append(key)
            continue
        if current is None:
            checker.refuse(n, "text before the first '## section' line")
            continue
        if line.strip() == CONTEXT_OPEN:
            context, context_line = [], n
            continue
        kind, text = _kind(line)
        spans = checker.spans(n, text, free=False)
        if not any(s.fact for s in spans) and text not in own:
            checker.refuse(
                n,
                "this sentence cites no Fact; put free text between [context] and [/context] "
                "to publish it as unverified text",
            )
        reason = contradiction(snapshot, spans)
        if reason:
            checker.refuse(n, f"the words contradict the Fact: {reason}")
        current.blocks.append(Block(kind, spans))
    if context is not None:
        checker.refuse(context_line, "[context] is never closed with [/context]")
    before = _citations(snapshot, snapshot.sections)
    after = _citations(snapshot, list(sections.values()))
    for name, times in before.items():
        if after[name] < times:
            left = f"{after[name]} of its {times} places" if after[name] else "no place"
            checker.problems.append(
                FieldError(
                    "template",
                    f"{{{name}}} was removed (it keeps {left}): every number of the draft stays",
                )
            )
    if checker.problems:
        raise ValidationFailed(checker.problems)
    out: list[Section] = []
    for section in snapshot.sections:
        if section.key not in EDITABLE:
            out.append(section)
        elif section.key in sections:
            out.append(sections[section.key])
    return replace(snapshot, meta=dict(snapshot.meta), sections=out)


def _citations(snapshot: Snapshot, sections: list[Section]) -> Counter[str]:
    """How many times each `{slug.field}` is cited in the editable sections."""
    names = slugs(snapshot)
    return Counter(
        f"{names[s.fact]}.{FIELD_NAMES.get(s.field or 'value', s.field or 'value')}"
        for section in sections
        if section.key in EDITABLE
        for b in section.blocks
        for s in b.spans
        if s.fact
    )


def _title(snapshot: Snapshot, key: str) -> str:
    return next((s.title for s in snapshot.sections if s.key == key), key)


def _kind(line: str) -> tuple[str, str]:
    for kind in ("sub", "quote", "li"):
        prefix = PREFIXES[kind]
        if line.startswith(prefix):
            return kind, line[len(prefix) :].strip()
    return "p", line.strip()


def unverified(snapshot: Snapshot) -> list[str]:
    """The free-context texts of a snapshot (the review view labels each one)."""
    return [
        snapshot.text(b.spans) for s in snapshot.sections for b in s.blocks if b.kind == CONTEXT
    ]
