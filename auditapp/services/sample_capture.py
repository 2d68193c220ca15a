"""Use cases for record sampling: draw a reproducible sample, then record each sampled record's result."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence

from auditapp.domain import drafts
from auditapp.domain.errors import ValidationError
from auditapp.domain.evidence import Sample, SamplingMethod
from auditapp.domain.sampling import (
    check_population_size,
    check_sample_size,
    draw_random,
    draw_random_positions,
    draw_systematic,
    draw_systematic_positions,
    select_judgmental,
    select_judgmental_positions,
    suggested_sample_size,
    systematic_interval,
)
from auditapp.services.capture import resolve_target
from auditapp.services.context import CaptureContext


def draw_sample(
    ctx: CaptureContext,
    audit_id: str,
    *,
    population_description: str,
    method: str,
    population_ids: Sequence[str] | None = None,
    population_size: int | None = None,
    sample_size: int | None = None,
    seed: str | None = None,
    start: int | None = None,
    selected_ids: Sequence[str] | None = None,
    reason: str | None = None,
    item_id: str | None = None,
    clause: str | None = None,
    finding_id: str | None = None,
) -> Sample:
    """Draw and record a sample; the seed (random) or start (systematic) is chosen if not given, and kept.

    The population is a list of record identifiers, or just its size (then positions 1..N are drawn,
    which the auditor maps to the register at hand, without ever listing them). The sample size defaults
    to the suggested size.
    """
    state = ctx.open_for_capture(audit_id)
    target = resolve_target(ctx, state, item_id, clause, finding_id)
    try:
        chosen_method = SamplingMethod(method)
    except ValueError:
        allowed = ", ".join(m.value for m in SamplingMethod)
        raise ValidationError(f"{method!r} is not a sampling method (one of {allowed})", "method") from None
    ids = list(population_ids) if population_ids is not None else None
    size_of_population = len(ids) if ids is not None else population_size
    if size_of_population is None:
        raise ValidationError("give the population's record identifiers or its size", "population_size")
    if population_size is not None and ids is not None and population_size != len(ids):
        raise ValidationError(
            f"the population lists {len(ids)} records but its size is given as {population_size}",
            "population_size",
        )
    check_population_size(size_of_population)
    if chosen_method is SamplingMethod.JUDGMENTAL:
        chosen_ids = list(selected_ids or ())
        if ids is None:
            selected = select_judgmental_positions(size_of_population, chosen_ids, reason or "")
        else:
            selected = select_judgmental(ids, chosen_ids, reason or "")
        size = len(selected)
        check_sample_size(size, "selected_ids")
        if sample_size is not None and sample_size != size:
            raise ValidationError(
                f"{size} records chosen but the sample size is {sample_size}", "sample_size"
            )
    else:
        size = sample_size if sample_size is not None else suggested_sample_size(size_of_population)
        check_sample_size(size)
        if chosen_method is SamplingMethod.RANDOM:
            seed = seed if seed is not None else secrets.token_hex(8)
            if ids is None:
                selected = draw_random_positions(size_of_population, size, seed)
            else:
                selected = draw_random(ids, size, seed)
        else:
            if not 1 <= size <= size_of_population:
                raise ValidationError(
                    f"the sample size must be between 1 and the population size ({size_of_population})",
                    "sample_size",
                )
            interval = systematic_interval(size_of_population, size)
            start = start if start is not None else secrets.randbelow(interval) + 1
            if ids is None:
                selected = draw_systematic_positions(size_of_population, size, start)
            else:
                selected = draw_systematic(ids, size, start)
    evidence_id = ctx.new_id()
    ctx.record(
        audit_id,
        [
            drafts.sample_drawn(
                evidence_id,
                target,
                population_description=population_description,
                population_size=size_of_population,
                population_ids=ids,
                sample_size=size,
                method=chosen_method,
                selected_ids=selected,
                seed=seed if chosen_method is SamplingMethod.RANDOM else None,
                start=start if chosen_method is SamplingMethod.SYSTEMATIC else None,
                reason=reason if chosen_method is SamplingMethod.JUDGMENTAL else None,
            )
        ],
    )
    sample = ctx.state(audit_id).evidence_by_id()[evidence_id]
    assert isinstance(sample, Sample)
    return sample


def record_sampled_record(
    ctx: CaptureContext,
    audit_id: str,
    sample_id: str,
    *,
    identifier: str,
    record_type: str,
    conforms: bool,
    record_date: str = "",
    comment: str = "",
    simulated: bool = False,
) -> str:
    """Record what one sampled record showed; a nonconforming record needs a comment saying why.

    `simulated` flags a record made in a dry run of a process that has not been triggered for real yet.
    """
    state = ctx.open_for_capture(audit_id)
    sample = state.evidence_by_id().get(sample_id)
    if not isinstance(sample, Sample):
        raise ValidationError(f"no sample with id {sample_id!r} in this audit", "sample_id")
    if sample.population_ids is not None and identifier not in sample.selected_ids:
        raise ValidationError(f"record {identifier!r} was not drawn in this sample", "identifier")
    if not conforms and not comment.strip():
        raise ValidationError("say what does not conform in this record", "comment")
    evidence_id = ctx.new_id()
    draft = drafts.record_sampled(
        evidence_id,
        sample.target,
        sample_id=sample_id,
        record_type=record_type,
        identifier=identifier,
        record_date=record_date,
        conforms=conforms,
        comment=comment,
        simulated=simulated,
    )
    ctx.record(audit_id, [draft])
    return evidence_id


# What separates record ids typed or pasted: line breaks, commas, and the tabs and semicolons of a row
# copied from a spreadsheet (FLD-122). Not spaces: an id such as "Batch 12" is one record.
ID_SEPARATORS = re.compile(r"[,;\t]")


def expand_ids(text: str) -> list[str]:
    """Record identifiers one per line or separated by commas, semicolons or tabs (a row pasted from a
    spreadsheet); 'BR-001..BR-200' expands to the range."""
    out: list[str] = []
    for part in (p.strip() for line in text.splitlines() for p in ID_SEPARATORS.split(line)):
        if not part:
            continue
        first, dots, last = part.partition("..")
        if not dots:
            out.append(part)
            continue
        out.extend(_id_range(first.strip(), last.strip(), part))
    return out


def _id_range(first: str, last: str, text: str) -> list[str]:
    head_a, num_a = _split_number(first)
    head_b, num_b = _split_number(last)
    if not num_a or not num_b or head_a != head_b or int(num_b) < int(num_a):
        raise ValidationError(
            f"{text!r} is not a range: write the first and last id with the same prefix, e.g. BR-001..BR-200",
            "population_ids",
        )
    if int(num_b) - int(num_a) >= 100_000:
        raise ValidationError(f"the range {text!r} holds more than 100000 records", "population_ids")
    width = len(num_a) if num_a.startswith("0") else 0
    return [f"{head_a}{n:0{width}d}" for n in range(int(num_a), int(num_b) + 1)]


def _split_number(identifier: str) -> tuple[str, str]:
    digits = len(identifier) - len(identifier.rstrip("0123456789"))
    return identifier[: len(identifier) - digits], identifier[len(identifier) - digits :]


def _whole(text: str, field: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise ValidationError(f"{text!r} is not a whole number", field) from None


def draw_sample_from_form(ctx: CaptureContext, audit_id: str, item_id: str, form: dict[str, str]) -> Sample:
    """Draw a sample from the sample form as typed (ids or a size, method, optional size and seed)."""
    ids_text = form.get("population_ids", "")
    ids = expand_ids(ids_text) if ids_text.strip() else None
    selected = expand_ids(form.get("selected_ids", ""))
    return draw_sample(
        ctx,
        audit_id,
        population_description=form.get("population_description", "").strip() or "records",
        method=form.get("method", "random").strip() or "random",
        population_ids=ids,
        population_size=_whole(form.get("population_size", ""), "population_size") if ids is None else None,
        sample_size=_whole(form.get("sample_size", ""), "sample_size"),
        seed=form.get("seed", "").strip() or None,
        start=_whole(form.get("start", ""), "start"),
        selected_ids=selected or None,
        reason=form.get("reason", "").strip() or None,
        item_id=item_id,
    )
