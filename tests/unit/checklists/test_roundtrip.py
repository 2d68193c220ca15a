"""Property: any checklist written as library YAML loads back equal, with the same content hash."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checklists import EVIDENCE_KINDS, MDSAP_PROCESSES, Checklist, Item, Section, load_text, to_yaml

TEXT = (
    st.text(
        alphabet=st.characters(whitelist_categories=("L", "N", "P", "S", "Zs"), whitelist_characters="\n"),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)
WORD = st.from_regex(r"[a-z0-9][a-z0-9.\-]{0,12}", fullmatch=True)


@st.composite
def checklists(draw: st.DrawFn) -> Checklist:
    tops = draw(st.lists(st.integers(1, 12), min_size=1, max_size=3, unique=True))
    sections: list[Section] = []
    for top in tops:
        sections.append(Section(str(top), draw(st.one_of(st.just(""), TEXT))))
        for child in draw(st.lists(st.integers(1, 11), max_size=3, unique=True)):
            sections.append(Section(f"{top}.{child}", draw(TEXT), str(top)))
    items: list[Item] = []
    for n, section in enumerate(sections):
        for m in range(draw(st.integers(0, 2))):
            items.append(
                Item(
                    id=f"i-{n}-{m}",
                    clause=section.clause,
                    text=draw(TEXT),
                    guidance=draw(st.one_of(st.just(""), TEXT)),
                    evidence=tuple(draw(st.lists(st.sampled_from(EVIDENCE_KINDS), unique=True))),
                    records=tuple(draw(st.lists(TEXT, max_size=2))),
                    process=draw(st.one_of(st.none(), st.sampled_from(MDSAP_PROCESSES))),
                    refs=tuple(draw(st.lists(TEXT, max_size=2))),
                )
            )
    # The loader orders items by section (tree order), so the generated order must be the same.
    order = {s.clause: k for k, s in enumerate(sections)}
    items.sort(key=lambda i: order[i.clause])
    return Checklist(
        draw(WORD),
        draw(TEXT),
        draw(WORD),
        draw(st.one_of(st.just(""), TEXT)),
        "en",
        tuple(sections),
        tuple(items),
    )


@pytest.mark.req("CHK-013")
@settings(max_examples=60, deadline=None)
@given(checklists())
def test_library_yaml_round_trips_with_the_same_hash(checklist: Checklist) -> None:
    again = load_text(to_yaml(checklist), "generated.yaml")
    assert again == checklist
    assert again.content_hash == checklist.content_hash
