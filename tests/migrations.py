"""Running the migrations back and forth, for the tests of data migrations."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate_back_to(targets: list[tuple[str, str]]):
    """The database as it was at `targets` ((app, migration) pairs); returns the models of
    then, for rows as they were stored before."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def migrate_to_latest() -> None:
    executor = MigrationExecutor(connection)  # a new one: it reads the database as it is now
    executor.migrate(executor.loader.graph.leaf_nodes())
