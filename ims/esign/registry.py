"""The registry of signable models: which fields make up a record's signed content.

A model becomes signable with one decorator on its class::

    @signable(fields=("title", "body", "effective_from"), immutable=True)
    class DocumentVersion(models.Model): ...

``immutable=True`` declares that a signed row never changes afterwards (a document version,
a training record): ``verify_integrity`` then reports any row whose current content no longer
hashes to the value bound into its signatures. For a mutable record (``immutable=False``) the
signature still binds the version that was signed; the signature block shows "changed since
signing" when the content moved on.

A record signed at different stages of its life can bind a different part of its content per meaning
(``meaning_fields``): a CAPA's approval binds the action plan, its closure the plan and what was done, so the
approval is not shown as "changed since signing" because the work it approved was carried out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.db import models

from .choices import SignatureMeaning


@dataclass(frozen=True)
class SignableModel:
    model: type[models.Model]
    fields: tuple[str, ...]
    immutable: bool = True
    meanings: tuple[str, ...] = field(default_factory=lambda: tuple(SignatureMeaning.values))
    # Meanings given only through the owning app's workflow service (which passes ``workflow=True``),
    # never through the generic signing dialog or API: e.g. a document version's review and approval.
    workflow_meanings: tuple[str, ...] = ()
    #: The record's own link to its signature, verified by ``verify_integrity``.
    link: SignatureLink | None = None
    #: Meaning → the fields that meaning's signatures bind (``fields`` for the meanings not named).
    meaning_fields: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def fields_for(self, meaning: str | None) -> tuple[str, ...]:
        return dict(self.meaning_fields).get(meaning, self.fields) if meaning else self.fields

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


@dataclass(frozen=True)
class SignatureLink:
    """A record that points to its own signature (``field``): that signature must be of this record (content
    type and pk), by the person the record names (``signer``, a field name; empty when any signer may), with one
    of ``meanings``. Rows matching ``signed_when`` (field → value) must have one."""

    field: str
    meanings: tuple[str, ...]
    signer: str = ""
    signed_when: tuple[tuple[str, object], ...] = ()


_registry: dict[str, SignableModel] = {}


def register_signable(
    model: type[models.Model],
    *,
    fields: tuple[str, ...],
    immutable: bool = True,
    meanings: tuple[str, ...] = (),
    workflow_meanings: tuple[str, ...] = (),
    link: SignatureLink | None = None,
    meaning_fields: dict[str, tuple[str, ...]] | None = None,
) -> SignableModel:
    if model._meta.abstract:
        raise TypeError("signable applies to concrete models")
    if not fields:
        raise ValueError("a signable model names the fields of its signed content")
    unknown = set(meanings) - set(SignatureMeaning.values)
    if unknown:
        raise ValueError(f"unknown signature meanings: {sorted(unknown)}")
    entry = SignableModel(
        model=model,
        fields=tuple(fields),
        immutable=immutable,
        meanings=tuple(meanings) or tuple(SignatureMeaning.values),
        workflow_meanings=tuple(workflow_meanings),
        link=link,
        meaning_fields=tuple((meaning, tuple(names)) for meaning, names in (meaning_fields or {}).items()),
    )
    _registry[entry.label] = entry
    return entry


def unregister_signable(model: type[models.Model]) -> None:
    _registry.pop(model._meta.label_lower, None)


def signable(
    *,
    fields: tuple[str, ...],
    immutable: bool = True,
    meanings: tuple[str, ...] = (),
    workflow_meanings: tuple[str, ...] = (),
    link: SignatureLink | None = None,
    meaning_fields: dict[str, tuple[str, ...]] | None = None,
):
    """Class decorator: register ``model`` as signable with the given content fields."""

    def decorator(model: type[models.Model]) -> type[models.Model]:
        register_signable(
            model,
            fields=fields,
            immutable=immutable,
            meanings=meanings,
            workflow_meanings=workflow_meanings,
            link=link,
            meaning_fields=meaning_fields,
        )
        return model

    return decorator


def get_signable(model_or_label: type[models.Model] | str) -> SignableModel | None:
    label = model_or_label if isinstance(model_or_label, str) else model_or_label._meta.label_lower
    return _registry.get(label.lower())


def signable_for_label(label: str) -> SignableModel | None:
    """The signable entry for ``"app_label.model"`` (``None`` when unknown or not signable)."""
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return None
    return get_signable(model)


def signable_models() -> list[SignableModel]:
    return list(_registry.values())
