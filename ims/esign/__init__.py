"""Part 11 electronic signatures: the signing ceremony, manifestation, certification and verification.

How an app makes a record signable and signs it:

1. Declare the signed content on the model (``ims.esign.registry``)::

       @signable(fields=("title", "body", "version"), immutable=True, meanings=("reviewed", "approved"))
       class DocumentVersion(models.Model): ...

2. Pages: ``{% load esign %}{% signature_block version %}{% sign_button version "approved" %}``.
   The button opens the sign dialog (htmx, ``esign:sign``); the block refreshes after each signing.

3. Services and API: ``ims.esign.services.signature_create(signer=..., record=..., meaning=..., password=...,
   username=..., reason=..., session=request.session, channel=..., apply=...)`` returns the ``Signature`` or
   raises ``SignatureRefused`` (``.status``, ``.code``, ``.message``); ``POST /api/v1/esign/signatures/``
   does the same for API clients. Read with ``ims.esign.selectors.signatures_for(record)`` /
   ``manifestations_for(record, viewer=user)``.
"""
