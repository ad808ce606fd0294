"""What the organisation model tells the apps that build on it (acknowledgements, training assignments).

Sent inside the transaction of the change, so a receiver's writes commit or roll back with it.
"""

from django.dispatch import Signal

#: Memberships of these people started, changed or ended (page, API, import, deactivation).
#: Argument: ``person_ids`` (a set of primary keys).
memberships_changed = Signal()
