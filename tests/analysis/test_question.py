"""A Question is parsed once, when it is made: its dates and windows are worked out, and a
question that cannot be asked fails there with the reason (a QuestionError, which the web
app answers with 422 and the CLI with exit code 2), before anything is counted."""

from __future__ import annotations

from datetime import date

import pytest

from crimepulse.analysis.question import GridQuestion, Question
from crimepulse.analysis.selection import BOROUGH, FORCE
from crimepulse.errors import CategoryError, QuestionError, WindowError


def test_the_words_are_kept_and_the_dates_parsed() -> None:
    q = Question(area="Hackney", category="robbery", window="ytd", as_of="2023-06")
    assert q.as_of == "2023-06"  # as asked: a Fact's query (and id) is made of these words
    assert q.end == date(2023, 6, 30)
    current, others = q.windows()
    assert (current.name, current.start, current.end) == ("ytd", date(2023, 1, 1), q.end)
    assert q.comparison == "last-year"
    assert [(w.start, w.end) for w in others] == [(date(2022, 1, 1), date(2022, 6, 30))]


@pytest.mark.parametrize(
    ("vs", "kind", "starts"),
    [
        ("previous", "previous", [date(2023, 1, 1)]),
        ("last-year", "last-year", [date(2022, 4, 1)]),
        ("baseline:2018-2020", "baseline", [date(y, 4, 1) for y in (2018, 2019, 2020)]),
    ],
)
def test_the_comparison_gives_the_windows_compared_with(
    vs: str, kind: str, starts: list[date]
) -> None:
    q = Question(window="quarter", as_of=date(2023, 6, 30), vs=vs)
    assert q.comparison == kind
    assert [w.start for w in q.compared_with] == starts


@pytest.mark.parametrize(
    ("words", "error", "reason"),
    [
        ({"as_of": "June 2023"}, WindowError, "bad as-of date"),
        ({"as_of": "2023-06", "window": "fortnight"}, WindowError, "unknown window"),
        ({"as_of": "2023-06", "vs": "yesterday"}, WindowError, "unknown comparison"),
        ({"as_of": "2023-06", "vs": "baseline:2020-2018"}, WindowError, "ends before it starts"),
        ({"as_of": "2023-06", "measure": "tonnes"}, QuestionError, "unknown measure"),
        ({"as_of": "2023-06", "source": "rumour"}, QuestionError, "unknown source"),
        ({"as_of": "2023-06", "alpha": 1.5}, QuestionError, "alpha must be between 0 and 1"),
        ({"as_of": "2023-06", "alpha": 0.0}, QuestionError, "alpha must be between 0 and 1"),
    ],
)
def test_a_question_that_cannot_be_asked_fails_when_made(
    words: dict[str, object], error: type[Exception], reason: str
) -> None:
    with pytest.raises(error, match=reason):
        Question(**words)  # type: ignore[arg-type]


def test_every_refusal_is_a_question_error() -> None:
    assert issubclass(WindowError, QuestionError) and issubclass(CategoryError, QuestionError)


def test_a_question_without_an_as_of_date_has_no_window() -> None:
    q = Question(area="Hackney", category="robbery")  # enough for a series
    assert q.end is None and q.current is None and q.compared_with == ()
    with pytest.raises(WindowError, match="give an as-of date"):
        q.windows()
    with pytest.raises(WindowError, match="give an as-of date"):
        q.end_date()


def test_replace_parses_again() -> None:
    q = Question(window="month", as_of="2023-06")
    later = q.replace(as_of="2023-09")
    assert later.windows()[0].start == date(2023, 9, 1)
    assert q.windows()[0].start == date(2023, 6, 1)  # the question itself is unchanged
    with pytest.raises(QuestionError, match="unknown measure"):
        q.replace(measure="tonnes")


def test_questions_are_equal_by_their_words() -> None:
    a = Question(area="Hackney", as_of="2023-06")
    assert a == Question(area="Hackney", as_of="2023-06")
    assert a != Question(area="Hackney", as_of="2023-06-30")  # a different question's id too
    with pytest.raises(AttributeError):
        a.area = "Camden"  # type: ignore[misc]


def test_a_grid_question_plans_each_window_against_its_comparison() -> None:
    q = GridQuestion(areas="boroughs", windows="month, ytd", as_of="2023-06", vs="previous")
    assert q.level == BOROUGH and q.comparison == "previous"
    assert [(c.name, o.start) for c, o in q.plan] == [
        ("month", date(2023, 5, 1)),
        ("ytd", date(2022, 7, 1)),
    ]
    assert GridQuestion(areas="all", as_of="2023-06").level == FORCE


@pytest.mark.parametrize(
    ("words", "reason"),
    [
        ({"areas": "parishes"}, "unknown areas 'parishes'"),
        ({"vs": "baseline:2018-2019"}, "the grid compares with previous or last-year"),
        ({"windows": " , "}, "give at least one window"),
        ({"windows": "month,fortnight"}, "unknown window 'fortnight'"),
        ({"source": "rumour"}, "unknown source"),
    ],
)
def test_a_grid_that_cannot_be_asked_fails_when_made(words: dict[str, str], reason: str) -> None:
    with pytest.raises(QuestionError, match=reason):
        GridQuestion(as_of="2023-06", **words)  # type: ignore[arg-type]
