"""What the catalog tells other apps, so it never has to import them.

``stock_moved`` is sent (sender ``Variant``, argument ``variant_ids``) inside the transaction
that moved these variants' stock with plain UPDATEs (checkout reserving, orders shipping or
giving stock back), after the UPDATEs: receivers read the new figures. Staff edits save the
variant, and Django's own ``post_save`` tells of those.
"""

from django.dispatch import Signal

stock_moved = Signal()
