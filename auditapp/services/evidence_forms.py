"""Checks of the evidence forms that the capture use cases leave to the screen: what must be filled in."""

from __future__ import annotations

from auditapp.domain.errors import ValidationError


def check_interview(person: str, question: str, answer: str) -> None:
    """An interview needs who was asked, what, and what they answered."""
    if not person.strip():
        raise ValidationError("enter the name of the person interviewed", "person")
    if not question.strip():
        raise ValidationError("enter the question you asked", "question")
    if not answer.strip():
        raise ValidationError("enter what the person answered", "answer")


def check_document(document_id: str, revision: str) -> None:
    """A document reviewed needs its id and the revision read."""
    if not document_id.strip():
        raise ValidationError("enter the document's id, e.g. SOP-012", "document_id")
    if not revision.strip():
        raise ValidationError("enter the revision you read, e.g. C", "revision")


def check_note(text: str) -> None:
    """A note needs text."""
    if not text.strip():
        raise ValidationError("write the note first", "note")
