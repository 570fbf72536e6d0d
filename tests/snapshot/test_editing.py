"""A draft's prose as a template: words may change, numbers may not, and words that
contradict a Fact's verdict are refused with the line and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from crimepulse import snapshot
from crimepulse.api import Crimepulse
from crimepulse.errors import ValidationFailed
from crimepulse.oplog import OutcomesLog
from crimepulse.snapshot import editing
from crimepulse.snapshot.model import Snapshot
from tests.snapshot.conftest import WEEK_END


@pytest.fixture(scope="module")
def weekly(cp: Crimepulse, warehouse: Path) -> Snapshot:
    with OutcomesLog.open(db=warehouse) as log:
        return snapshot.build(cp, "week", WEEK_END.isoformat(), "violence", log=log, charts=False)


def _line(template: str, needle: str) -> tuple[int, str]:
    """The (1-based) number and text of the first template line containing `needle`."""
    return next((n, t) for n, t in enumerate(template.splitlines(), 1) if needle in t)


def _refusals(snap: Snapshot, template: str) -> list[tuple[str, str]]:
    with pytest.raises(ValidationFailed) as refused:
        editing.apply(snap, template)
    return [(e.field, e.reason) for e in refused.value.errors]


def test_the_unedited_template_renders_the_draft_exactly(weekly: Snapshot) -> None:
    template = editing.to_template(weekly)
    assert "{robbery_2023.current}" in template and "720" not in template.split("## ")[1]
    again = editing.apply(weekly, template)
    for fmt in ("md", "json", "post"):
        assert snapshot.render(again, fmt) == snapshot.render(weekly, fmt)


def test_words_change_and_numbers_stay_the_facts(weekly: Snapshot) -> None:
    template = editing.to_template(weekly)
    _, old = _line(template, "- Robbery went up")
    new = (
        "- Robbery rose again this year: {robbery_2023.current} offences in {2023}, up from "
        "{robbery_2023.previous} in {2022} ({robbery_2023.change_pct}; it moves "
        "{robbery_2023.usual} in an ordinary year)."
    )
    edited = editing.apply(weekly, template.replace(old, new, 1))
    md = str(snapshot.render(edited, "md"))
    fact = next(f for f in weekly.facts.values() if f["category"]["name"] == "robbery"
                and f["window"]["start"] == "2023-01-01")  # fmt: skip
    assert f"Robbery rose again this year: {fact['current']:,} offences in 2023" in md
    assert f"up from {fact['previous']:,} in 2022" in md
    assert "Robbery went up, by more than" not in md.split("## Where we must improve")[0]


def test_a_typed_number_is_refused_with_its_line_and_placeholder(weekly: Snapshot) -> None:
    template = editing.to_template(weekly)
    n, old = _line(template, "- Robbery went up")
    typed = old.replace("{robbery_2023.current}", "720", 1)
    refused = _refusals(weekly, template.replace(old, typed, 1))
    assert (f"line {n}", "'720' is not bound to a Fact; use {robbery_2023.current}") in refused
    words = old.replace("{robbery_2023.current}", "seven hundred and twenty", 1)
    assert any("'seven'" in r for _, r in _refusals(weekly, template.replace(old, words, 1)))


def test_a_removed_or_unknown_placeholder_is_refused(weekly: Snapshot) -> None:
    template = editing.to_template(weekly)
    n, old = _line(template, "- Robbery went up")
    gone = old.replace(" ({robbery_2023.change_pct};", " (", 1)
    refused = _refusals(weekly, template.replace(old, gone, 1))
    assert any(f == "template" and "{robbery_2023.change_pct} was removed" in r
               for f, r in refused)  # fmt: skip
    wrong = old.replace("{robbery_2023.current}", "{robbery_2019.current}", 1)
    refused = _refusals(weekly, template.replace(old, wrong, 1))
    assert (f"line {n}", "{robbery_2019.current} is not a Fact of this snapshot nor one of "
            "its periods") in refused  # fmt: skip
    invented = old.replace("{2022}", "{2019}", 1)
    assert _refusals(weekly, template.replace(old, invented, 1))[0][0] == f"line {n}"


@pytest.mark.parametrize(
    ("needle", "old_words", "new_words", "why"),
    [
        # a rise that is within the usual variation may not be called a rise
        ("- Robbery: {robbery_december_2023", "Robbery: ", "Robbery rose: ", "'rose'"),
        # a rise may not be called a fall
        ("- Robbery went up", "went up", "went down", "'went down'"),
        ("- Robbery went up", "went up", "fell", "'fell'"),
    ],
)
def test_words_that_contradict_the_verdict_are_refused(
    weekly: Snapshot, needle: str, old_words: str, new_words: str, why: str
) -> None:
    template = editing.to_template(weekly)
    n, old = _line(template, needle)
    refused = _refusals(weekly, template.replace(old, old.replace(old_words, new_words, 1), 1))
    [(field, reason)] = refused
    assert field == f"line {n}" and reason.startswith(f"the words contradict the Fact: {why}")
    assert "verdict is 'no meaningful change'" in reason or "verdict is 'up'" in reason


def test_free_context_is_marked_and_carries_no_numbers(weekly: Snapshot) -> None:
    template = editing.to_template(weekly)
    free = "Behind every headline is a victim. News: https://news.example/met"
    marked = template.replace("## next\n", f"## next\n[context]\n{free}\n[/context]\n", 1)
    edited = editing.apply(weekly, marked)
    assert editing.unverified(edited) == [free]
    assert f"*Unverified text:* {free}" in str(snapshot.render(edited, "md"))
    html = str(snapshot.render(edited, "html"))
    assert '<strong class="unverified">Unverified text:</strong> Behind every headline' in html
    assert "Unverified" not in str(snapshot.render(weekly, "html"))
    assert editing.to_template(edited).count("\n[context]\n") == 1
    n, _ = _line(template, "## next")
    unmarked = template.replace("## next\n", f"## next\n{free}\n", 1)
    [(field, reason)] = _refusals(weekly, unmarked)
    assert field == f"line {n + 1}" and "cites no Fact" in reason
    counted = marked.replace(free, "We funded 40 more officers.")
    [(field, reason)] = _refusals(weekly, counted)
    assert field == f"line {n + 1}" and "'40' in unverified text" in reason


@pytest.mark.parametrize("kind", ["annual", "monthly", "post-week"])
def test_every_builder_sentence_passes_its_own_checks(
    cp: Crimepulse, post_week_log: OutcomesLog, kind: str
) -> None:
    """The builder's words are never refused (an annual, a monthly and the week of the
    Commissioner's post, whose entries' summaries hold figures and numbers in words)."""
    snap = {
        "annual": lambda: snapshot.build(cp, "year", "2023", "violence", charts=False),
        "monthly": lambda: snapshot.build(cp, "month", "2023-12", "robbery", charts=False),
        "post-week": lambda: snapshot.build(
            cp, "week", "2023-02-19", "violence", log=post_week_log, charts=False
        ),
    }[kind]()
    template = editing.to_template(snap)
    assert snapshot.render(editing.apply(snap, template), "md") == snapshot.render(snap, "md")


def test_each_clause_of_an_operation_answers_to_its_own_fact(
    cp: Crimepulse, post_week_log: OutcomesLog
) -> None:
    """ "arrests: more than usual" is refused beside arrests within their usual range, even
    when the same sentence's other clauses rightly say "fewer than usual"."""
    snap = snapshot.build(cp, "week", "2023-02-19", "violence", log=post_week_log, charts=False)
    template = editing.to_template(snap)
    n, old = _line(template, "about {robbery_arrest_week.previous} a week")
    assert "fewer than usual" in old  # its other clauses: their own Facts fell
    rose = old.replace("arrests: within the usual range", "arrests: more than usual", 1)
    [(field, reason)] = _refusals(snap, template.replace(old, rose, 1))
    assert field == f"line {n}"
    assert "'more than' beside {robbery_arrest_week}" in reason
    assert "verdict is 'no meaningful change'" in reason
