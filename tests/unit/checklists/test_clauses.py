"""Clause numbers and clause references found in free text."""

from __future__ import annotations

import pytest

from checklists.clauses import is_clause, is_within, parse_refs, sort_key, split_trailing_refs


@pytest.mark.req("CHK-009")
@pytest.mark.parametrize(
    ("text", "clauses", "other"),
    [
        ("(4.1/4.2/5.3)", ("4.1", "4.2", "5.3"), ()),
        ("(8.3/8.5.1-3)", ("8.3", "8.5.1", "8.5.2", "8.5.3"), ()),
        ("(7.1/ MDD)", ("7.1",), ("MDD",)),
        ("7.5.1–7.5.3", ("7.5.1", "7.5.2", "7.5.3"), ()),
        ("4.2.4, 4.2.5 and 8.2.4.", ("4.2.4", "4.2.5", "8.2.4"), ()),
        ("§ 7.5.6:", ("7.5.6",), ()),
        ("ISO 14971 / 7.1", ("7.1",), ("ISO 14971",)),
    ],
)
def test_free_text_references_become_clause_lists(
    text: str, clauses: tuple[str, ...], other: tuple[str, ...]
) -> None:
    refs = parse_refs(text)
    assert refs.clauses == clauses
    assert refs.other == other


@pytest.mark.req("CHK-009")
def test_a_question_ending_in_references_is_split_from_them() -> None:
    text, refs = split_trailing_refs("Is the CAPA effective? (8.5.2/8.5.3).")
    assert text == "Is the CAPA effective?"
    assert refs is not None
    assert refs.clauses == ("8.5.2", "8.5.3")
    assert split_trailing_refs("Is the rule (see manual) clear?") == ("Is the rule (see manual) clear?", None)


@pytest.mark.req("CHK-004")
def test_clause_numbers_compare_as_numbers_not_text() -> None:
    assert sorted(["7.5.10", "7.5.9", "7.5.1"], key=sort_key) == ["7.5.1", "7.5.9", "7.5.10"]
    assert is_within("7.5.10", "7.5")
    assert not is_within("7.5.10", "7.5.1")
    assert is_clause("10.9.a")
    assert is_clause("A.5.1")
    assert not is_clause("7..1")
    assert not is_clause("7.5.")
    assert not is_clause("clause 7")
