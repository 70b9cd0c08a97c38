"""Moving every row that points at one person to another, and exactly those rows back (people_merge and
people_unmerge in macpu.people.services).

The rule is generic, so that a table added later is merged too: every foreign key to Person in every model (the
auto-created many-to-many tables included, like a household's members) is re-pointed, except the linkage's own
bookkeeping (review pairs and merges, which are history). Each row moved is listed as {"model", "pk", "field"}.

Where a unique constraint would break (both people have an open case; both have a relationship to the same
relative of different kinds) nothing moves and the merge is refused with a message saying what to resolve first. A
row the kept person already has exactly (same household, same relative and kind, same disability) is left with the
merged person: nothing is lost, and unmerging has nothing to undo for it. A row that links the two people to each
other (one recorded as the other's brother) refuses the merge: a person cannot be their own relative.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q

from macpu.people.models import Person, PersonMerge, ReviewPair

NOT_MOVED = (ReviewPair, PersonMerge)  # history: which records were compared, and what each merge moved
CHUNK = 1000


def person_foreign_keys() -> Iterator[tuple[type[models.Model], models.ForeignKey[Any, Any]]]:
    """Every (model, foreign key) that points at Person, auto-created many-to-many tables included."""
    for model in apps.get_models(include_auto_created=True):
        if model in NOT_MOVED or model._meta.proxy:
            continue
        for field in model._meta.local_concrete_fields:
            if isinstance(field, models.ForeignKey) and field.related_model is Person:
                yield model, field


def _unique_sets(
    model: type[models.Model], field: models.ForeignKey[Any, Any]
) -> Iterator[tuple[list[str], Q | None, str]]:
    """Each set of fields that must be unique together and holds `field`: (the other fields, the condition the
    constraint applies under, a description)."""
    if field.unique:
        yield [], None, field.name
    for together in model._meta.unique_together:
        if field.name in together:
            yield [f for f in together if f != field.name], None, ", ".join(together)
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and field.name in constraint.fields:
            others = [f for f in constraint.fields if f != field.name]
            yield others, constraint.condition, constraint.name


def _value_fields(model: type[models.Model], field: models.ForeignKey[Any, Any]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if not f.primary_key and f.attname != field.attname]


def _label(model: type[models.Model], count: int = 2) -> str:
    """The rows' name in words: "referrals"; "households" for a household's members (a many-to-many table)."""
    owner = model._meta.auto_created
    meta = owner._meta if isinstance(owner, type) and issubclass(owner, models.Model) else model._meta
    return str(meta.verbose_name if count == 1 else meta.verbose_name_plural)


def _plan(old: Person, new: Person) -> tuple[dict[tuple[str, str], list[Any]], list[str]]:
    """Which rows move from `old` to `new`, by (model label, field), and what stops the merge."""
    moves: dict[tuple[str, str], list[Any]] = {}
    problems: list[str] = []
    for model, field in person_foreign_keys():
        manager = model._base_manager
        rows = manager.filter(**{field.attname: old.pk})
        if model is Person:
            rows = rows.exclude(pk=new.pk)
        if not rows.exists():
            continue
        # A row naming both people (one recorded as the other's relative) would name one person twice.
        for other in model._meta.local_concrete_fields:
            if other is not field and isinstance(other, models.ForeignKey) and other.related_model is Person:
                if rows.filter(**{other.attname: new.pk}).exists():
                    problems.append(
                        f"{old.full_name} and {new.full_name} are recorded in each other's {_label(model)}: a person "
                        f"cannot be their own. Correct that record first if they are one person."
                    )
        left_behind: set[Any] = set()
        values = _value_fields(model, field)
        for others, condition, name in _unique_sets(model, field):
            scoped = rows.filter(condition) if condition is not None else rows
            for row in scoped.values(*values, "pk"):
                counterpart = manager.filter(**{field.attname: new.pk}, **{o: row[_attname(model, o)] for o in others})
                if condition is not None:
                    counterpart = counterpart.filter(condition)
                twin = counterpart.values(*values).first()
                if twin is None:
                    continue
                if all(twin[v] == row[v] for v in values):
                    left_behind.add(row["pk"])  # the kept person already has exactly this
                else:
                    problems.append(
                        f"Both {old.full_name} and {new.full_name} have {_label(model)} that only one person may "
                        f"have ({name.replace('_', ' ')}): close or correct one of them first, then merge."
                    )
                    break
        pks = [pk for pk in rows.values_list("pk", flat=True) if pk not in left_behind]
        if pks:
            moves[(model._meta.label_lower, field.name)] = pks
    return moves, sorted(set(problems))


def _attname(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)  # noqa: S101 - a concrete field, for the type checker
    return field.attname


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _move(model_label: str, field: str, pks: list[Any], to: Person, only_from: Person | None) -> int:
    model = apps.get_model(model_label)
    attname = _attname(model, field)
    moved = 0
    for chunk in _chunks(pks):
        rows = model._base_manager.filter(pk__in=chunk)
        if only_from is not None:
            rows = rows.filter(**{attname: only_from.pk})
        moved += rows.update(**{attname: to.pk})
    return moved


def repoint(*, old: Person, new: Person) -> list[dict[str, Any]]:
    """Move every row pointing at `old` to `new`; raise ValidationError, moving nothing, if a row cannot move."""
    moves, problems = _plan(old, new)
    if problems:
        raise ValidationError({"__all__": problems})
    moved: list[dict[str, Any]] = []
    try:
        with transaction.atomic():
            for (label, field), pks in moves.items():
                _move(label, field, pks, new, None)
                moved += [{"model": label, "pk": pk, "field": field} for pk in pks]
    except IntegrityError as error:
        raise ValidationError(
            {"__all__": [f"The merge would break a rule of the records it moves, so nothing was merged ({error})."]}
        ) from error
    return moved


def restore(moved: Iterable[dict[str, Any]], *, kept: Person, merged: Person) -> tuple[int, int]:
    """Move back each row listed in `moved` that still points at `kept`: (rows moved back, rows left because they
    no longer point at `kept`)."""
    groups: dict[tuple[str, str], list[Any]] = defaultdict(list)
    listed = 0
    for row in moved:
        groups[(row["model"], row["field"])].append(row["pk"])
        listed += 1
    back = 0
    try:
        with transaction.atomic():
            for (label, field), pks in groups.items():
                back += _move(label, field, pks, merged, kept)
    except IntegrityError as error:
        message = f"Undoing the merge would break a rule of the records it moves back, so nothing moved ({error})."
        raise ValidationError({"__all__": [message]}) from error
    return back, listed - back


def describe(moved: Iterable[dict[str, Any]]) -> str:
    """ "3 agency records, 1 referral": what a merge moved, in words."""
    counts: dict[str, int] = defaultdict(int)
    for row in moved:
        counts[row["model"]] += 1
    if not counts:
        return "nothing else"
    parts = []
    for label, count in sorted(counts.items()):
        model = apps.get_model(label)
        if model._meta.auto_created:  # a many-to-many table: "2 household links"
            parts.append(f"{count} {_label(model, 1)} link{'' if count == 1 else 's'}")
        else:
            parts.append(f"{count} {_label(model, count)}")
    return ", ".join(parts)
