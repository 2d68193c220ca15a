"""The shipped library: the complete ISO 13485:2016 clause tree, practice items, QMSR, MDR, MDSAP view."""

from __future__ import annotations

import re

import pytest

from checklists import MDSAP_PROCESSES, by_process, get_library_checklist, library_views, load_library
from checklists.library import ChecklistNotFoundError

# ISO 13485:2016 clause numbers and titles of sections 4 to 8, written out independently of the library file.
# 4.1.1 to 4.1.6 have no titles in the standard; only their presence is checked.
ISO_13485_CLAUSES = {
    "4": "Quality management system",
    "4.1": "General requirements",
    "4.1.1": None,
    "4.1.2": None,
    "4.1.3": None,
    "4.1.4": None,
    "4.1.5": None,
    "4.1.6": None,
    "4.2": "Documentation requirements",
    "4.2.1": "General",
    "4.2.2": "Quality manual",
    "4.2.3": "Medical device file",
    "4.2.4": "Control of documents",
    "4.2.5": "Control of records",
    "5": "Management responsibility",
    "5.1": "Management commitment",
    "5.2": "Customer focus",
    "5.3": "Quality policy",
    "5.4": "Planning",
    "5.4.1": "Quality objectives",
    "5.4.2": "Quality management system planning",
    "5.5": "Responsibility, authority and communication",
    "5.5.1": "Responsibility and authority",
    "5.5.2": "Management representative",
    "5.5.3": "Internal communication",
    "5.6": "Management review",
    "5.6.1": "General",
    "5.6.2": "Review input",
    "5.6.3": "Review output",
    "6": "Resource management",
    "6.1": "Provision of resources",
    "6.2": "Human resources",
    "6.3": "Infrastructure",
    "6.4": "Work environment and contamination control",
    "6.4.1": "Work environment",
    "6.4.2": "Contamination control",
    "7": "Product realization",
    "7.1": "Planning of product realization",
    "7.2": "Customer-related processes",
    "7.2.1": "Determination of requirements related to product",
    "7.2.2": "Review of requirements related to product",
    "7.2.3": "Communication",
    "7.3": "Design and development",
    "7.3.1": "General",
    "7.3.2": "Design and development planning",
    "7.3.3": "Design and development inputs",
    "7.3.4": "Design and development outputs",
    "7.3.5": "Design and development review",
    "7.3.6": "Design and development verification",
    "7.3.7": "Design and development validation",
    "7.3.8": "Design and development transfer",
    "7.3.9": "Control of design and development changes",
    "7.3.10": "Design and development files",
    "7.4": "Purchasing",
    "7.4.1": "Purchasing process",
    "7.4.2": "Purchasing information",
    "7.4.3": "Verification of purchased product",
    "7.5": "Production and service provision",
    "7.5.1": "Control of production and service provision",
    "7.5.2": "Cleanliness of product",
    "7.5.3": "Installation activities",
    "7.5.4": "Servicing activities",
    "7.5.5": "Particular requirements for sterile medical devices",
    "7.5.6": "Validation of processes for production and service provision",
    "7.5.7": (
        "Particular requirements for validation of processes for sterilization and sterile barrier systems"
    ),
    "7.5.8": "Identification",
    "7.5.9": "Traceability",
    "7.5.9.1": "General",
    "7.5.9.2": "Particular requirements for implantable medical devices",
    "7.5.10": "Customer property",
    "7.5.11": "Preservation of product",
    "7.6": "Control of monitoring and measuring equipment",
    "8": "Measurement, analysis and improvement",
    "8.1": "General",
    "8.2": "Monitoring and measurement",
    "8.2.1": "Feedback",
    "8.2.2": "Complaint handling",
    "8.2.3": "Reporting to regulatory authorities",
    "8.2.4": "Internal audit",
    "8.2.5": "Monitoring and measurement of processes",
    "8.2.6": "Monitoring and measurement of product",
    "8.3": "Control of nonconforming product",
    "8.3.1": "General",
    "8.3.2": "Actions in response to nonconforming product detected before delivery",
    "8.3.3": "Actions in response to nonconforming product detected after delivery",
    "8.3.4": "Rework",
    "8.4": "Analysis of data",
    "8.5": "Improvement",
    "8.5.1": "General",
    "8.5.2": "Corrective action",
    "8.5.3": "Preventive action",
}


@pytest.mark.req("CHK-001")
def test_every_iso_13485_clause_is_present_with_its_official_title_and_parent() -> None:
    iso = get_library_checklist("iso13485-2016")
    sections = {s.clause: s for s in iso.sections}
    assert set(sections) == set(ISO_13485_CLAUSES)
    for clause, title in ISO_13485_CLAUSES.items():
        if title is not None:
            assert sections[clause].title == title, clause
        parent = clause.rpartition(".")[0] or None
        assert sections[clause].parent == parent, clause


@pytest.mark.req("CHK-001")
def test_every_leaf_clause_has_practice_oriented_items_with_a_process() -> None:
    iso = get_library_checklist("iso13485-2016")
    parents = {s.parent for s in iso.sections}
    leaves = [s.clause for s in iso.sections if s.clause not in parents]
    assert len(leaves) == 72
    for clause in leaves:
        assert iso.items_under(clause), f"no item under {clause}"
    assert not [s.clause for s in iso.sections if s.clause in parents and iso.items_under(s.clause)]
    for item in iso.items:
        assert re.fullmatch(rf"iso13485-{re.escape(item.clause)}-\d\d", item.id)
        assert item.process in MDSAP_PROCESSES
        assert item.evidence
        assert item.guidance
        assert item.text.endswith("?")
    # Practice, not paperwork: most items ask for records, interviews or observation.
    practice = [i for i in iso.items if {"record", "interview", "observation"} & set(i.evidence)]
    assert len(practice) / len(iso.items) > 0.9
    assert len(iso.items) >= 2 * len(leaves)


@pytest.mark.req("CHK-010")
def test_the_mdsap_view_covers_every_iso_item_once_in_all_seven_processes() -> None:
    (view,) = library_views()
    assert view.id == "mdsap-view"
    assert view.checklist == "iso13485-2016"
    iso = get_library_checklist("iso13485-2016")
    grouped = by_process(iso)
    assert list(grouped) == list(MDSAP_PROCESSES)
    listed = [item.id for items in grouped.values() for item in items]
    assert sorted(listed) == sorted(i.id for i in iso.items)
    assert all(item.process == process for process, items in grouped.items() for item in items)


@pytest.mark.req("CHK-012")
def test_fda_qmsr_and_eu_mdr_checklists_cover_what_they_add() -> None:
    qmsr = get_library_checklist("fda-qmsr")
    clauses = {s.clause for s in qmsr.sections}
    assert {"820.10", "820.35", "820.35.a", "820.35.b", "820.45", "803", "806", "821", "830"} <= clauses
    assert any("UDI" in i.text for i in qmsr.items)
    mdr = get_library_checklist("eu-mdr-qms")
    text = " ".join([*(" ".join(i.refs) + " " + i.text for i in mdr.items), *(s.title for s in mdr.sections)])
    for topic in (
        "Article 15",
        "PRRC",
        "Art. 83",
        "Art. 87",
        "Art. 27",
        "Art. 61",
        "PMCF",
        "Art. 13",
        "general safety and performance requirements",
        "strategy for regulatory compliance",
    ):
        assert topic in text, topic


def test_library_lists_three_checklists_and_unknown_ids_name_the_known_ones() -> None:
    assert sorted(c.id for c in load_library()) == ["eu-mdr-qms", "fda-qmsr", "iso13485-2016"]
    with pytest.raises(ChecklistNotFoundError, match="known: eu-mdr-qms, fda-qmsr, iso13485-2016"):
        get_library_checklist("iso9001")
