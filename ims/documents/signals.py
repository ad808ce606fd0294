"""What document control tells the apps that build on it (acknowledgements, training).

Sent inside the transaction of the change, so a receiver's writes commit or roll back with it.
The kernel never imports the apps that listen.
"""

from django.dispatch import Signal

#: A version became effective. Arguments: ``version`` and ``superseded`` (the versions it replaced).
version_effective = Signal()

#: A version left use without a successor (retired, or its document retired). Argument: ``version``.
version_withdrawn = Signal()

#: The sites, functions or roles in a document's scope changed. Argument: ``document``.
document_scope_changed = Signal()
