"""The YAML loader: located problems, all in one pass, nothing half-loaded; clause numbers kept as text."""

from __future__ import annotations

import textwrap

import pytest

from checklists import ChecklistError, load_text

GOOD = textwrap.dedent(
    """\
    id: demo
    title: Demo
    version: 1.0
    sections:
      7.5:
        title: Production
        sections:
          7.5.1:
            title: Control
            items:
              - id: d-1
                question: Are parameters recorded?
                evidence: [record, observation]
                records: device history records
                process: Production and Service Controls
          7.5.10:
            title: Customer property
            items:
              - id: d-2
                question: Is customer property labeled?
      7.10:
        title: Unquoted and numeric-looking
        items:
          - {id: d-3, question: Is it still 7.10?}
    """
)


def load_errors(text: str) -> list[str]:
    with pytest.raises(ChecklistError) as caught:
        load_text(textwrap.dedent(text), "f.yaml")
    return [str(p) for p in caught.value.problems]


@pytest.mark.req("CHK-004")
def test_clause_numbers_stay_text_even_when_yaml_would_read_a_number() -> None:
    checklist = load_text(GOOD, "good.yaml")
    assert [s.clause for s in checklist.sections] == ["7.5", "7.5.1", "7.5.10", "7.10"]
    assert checklist.version == "1.0"
    section = checklist.section("7.5.10")
    assert section is not None
    assert section.parent == "7.5"
    assert [i.clause for i in checklist.items] == ["7.5.1", "7.5.10", "7.10"]
    assert checklist.items[0].records == ("device history records",)


@pytest.mark.req("CHK-003")
def test_every_problem_is_reported_once_with_its_line_and_column() -> None:
    errors = load_errors(
        """\
        id: x
        title: X
        version: "1"
        sections:
          "7":
            title: Product realization
            colour: blue
            sections:
              "7.5":
                items:
                  - id: a
                    question: ""
                  - id: b
                    question: Fine?
                    evidence: {kind: record}
                  - id: b
                    question: Again?
                    process: Production
              "8.2":
                title: Outside
              "7..1":
                title: Bad
          "7":
            title: Duplicate
        """
    )
    assert errors == [
        "f.yaml:7:5: unknown key 'colour' in section 7; allowed: title, items, sections",
        "f.yaml:12:23: item a of 7.5 has an empty question",
        "f.yaml:15:23: evidence must be a list of texts, not a mapping",
        "f.yaml:16:17: duplicate item id b (first on line 13)",
        "f.yaml:18:22: process 'Production' is not an MDSAP process; use one of: Management; Device "
        "Marketing Authorization and Facility Registration; Measurement Analysis and Improvement; Medical "
        "Device Adverse Events and Advisory Notices Reporting; Design and Development; Production and "
        "Service Controls; Purchasing",
        "f.yaml:19:7: clause 8.2 is outside its parent 7 (it must start with 7.)",
        "f.yaml:21:7: clause '7..1' is not a well-formed clause number (digits or single letters separated "
        "by dots, e.g. 7.5.10)",
        "f.yaml:23:3: duplicate clause 7 in sections (first on line 5)",
    ]


@pytest.mark.req("CHK-003")
def test_missing_keys_wrong_types_and_unknown_evidence_are_reported() -> None:
    errors = load_errors(
        """\
        id: x
        sections:
          "4":
            title: [not, text]
            items:
              - question: No id here
              - id: has space
                question: Q?
                evidence: [record, smell]
        """
    )
    assert "f.yaml:1:1: missing required key 'title'" in errors
    assert "f.yaml:1:1: missing required key 'version'" in errors
    assert "f.yaml:4:12: the title of 4 must be a text, not a list" in errors
    assert "f.yaml:6:9: an item of 4 has no id" in errors
    assert "f.yaml:7:13: item id 'has space' must be a non-empty text without spaces" in errors
    assert "f.yaml:9:28: evidence 'smell' is not one of document, record, interview, observation" in errors


@pytest.mark.req("CHK-003")
def test_a_syntax_error_is_located_and_nothing_is_returned() -> None:
    errors = load_errors("id: x\nsections:\n  '4': {title: [unclosed\n")
    assert len(errors) == 1
    assert errors[0].startswith("f.yaml:4:1: YAML syntax error:")


def test_the_error_text_lists_every_problem_one_per_line() -> None:
    with pytest.raises(ChecklistError) as caught:
        load_text("id: x\n", "short.yaml")
    assert str(caught.value).splitlines() == [
        "short.yaml:1:1: missing required key 'title'",
        "short.yaml:1:1: missing required key 'version'",
        "short.yaml:1:1: missing required key 'sections'",
    ]


def test_an_empty_file_is_an_error_not_an_empty_checklist() -> None:
    with pytest.raises(ChecklistError, match=r"e\.yaml: the file is empty"):
        load_text("", "e.yaml")
