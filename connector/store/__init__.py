"""The durable store: schema and migrations, a unit of work with repositories, and the outbox pattern.

Importing this package connects to nothing; `Store(url)` makes a lazy engine and `migrate.upgrade(url)`
creates or updates the schema.
"""

from connector.store.apply import apply_step
from connector.store.uow import Store, UnitOfWork

__all__ = ["Store", "UnitOfWork", "apply_step"]
