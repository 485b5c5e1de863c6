"""The one registry of problem sentences: a service's problem in the reader's language."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField

from tukiverkko.platform.errors import Problem
from tukiverkko.platform.pages.problem_text import MESSAGES, problem_message, show_problem

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])  # no database is used


class AreaForm(FlaskForm):
    area = StringField()


def _in(app: Flask, lang: str):  # type: ignore[no-untyped-def]
    return app.test_request_context(f"/?lang={lang}")


def test_a_known_code_speaks_the_readers_language(app: Flask) -> None:
    problem = Problem("Already enrolled.", code="already_enrolled", status=409)
    with _in(app, "fi"):
        assert problem_message(problem) == "Jo ilmoittautunut."
    with _in(app, "en"):
        assert problem_message(problem) == "Already enrolled."


def test_an_unknown_code_falls_back_to_the_services_words(app: Flask) -> None:
    problem = Problem(
        "The area is not one of ours.",
        code="area_unknown",
        errors={"json": {"area": ["Not one of the model's areas."]}},
    )
    assert problem.code not in MESSAGES
    with _in(app, "fi"):
        form = AreaForm(meta={"csrf": False})
        summary = show_problem(form, problem)
    assert summary == "The area is not one of ours."
    assert form.area.errors == ["Not one of the model's areas."]


def test_a_known_code_goes_next_to_the_fields_it_names(app: Flask) -> None:
    problem = Problem(
        "Name the area.", code="area_required", errors={"json": {"area": ["Required."]}}
    )
    with _in(app, "sv"):
        form = AreaForm(meta={"csrf": False}, data={"area": "  "})
        summary = show_problem(form, problem)
    assert summary == str(form.area.errors[0])
    assert summary not in ("Name the area.", "Required.")  # Swedish, not the service's English
    assert form.area.data == "  "  # what the user typed stays


def test_a_page_groups_own_words_come_first(app: Flask) -> None:
    problem = Problem("Too many requests.", code="too_many_requests", status=429)
    words = {
        "too_many_requests": _l("Too many applications from this address. Please try again later.")
    }
    with _in(app, "fi"):
        shared = problem_message(problem)
        own = problem_message(problem, words)
        other = problem_message(Problem("Name the area.", code="area_required"), words)
        other_shared = problem_message(Problem("Name the area.", code="area_required"))
    assert own == "Tästä osoitteesta on tullut liian monta hakemusta. Yritä myöhemmin uudelleen."
    assert shared != own
    assert other == other_shared == "Anna alueen nimi."  # the other codes: the shared words
