"""Writing many generated rows fast: tuples in the database's own formats, no model instances.

``bulk_create`` converts every value of every row through its field (about 6-10 µs a value),
which caps a synthetic load at ~13k rows/s. Here a table's constant columns are converted once,
the varying ones are produced already in a form both databases read (UUIDs as 32 hex digits,
moments as UTC text), and the rows go in as one prepared INSERT run by ``executemany`` in
chunks (SQLite) or one ``COPY … FROM STDIN`` (PostgreSQL).

Only for rows that skip the services on purpose (``load_volume``): no signals, no ``save()``.
"""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice

from django.db import connection, models, transaction

ROWS_PER_CALL = 5000
LOAD_CACHE = -256_000  # 256 MB: SQLite reads a negative cache_size as KiB


def moments(rows: Iterable[tuple], positions: tuple[int, ...]) -> Iterator[tuple]:
    """``rows`` with the naive UTC datetimes at ``positions`` as text the database reads
    (SQLite stores that text; PostgreSQL is told it is UTC)."""
    zone = "" if connection.vendor == "sqlite" else "+00:00"
    for row in rows:
        row = list(row)
        for at in positions:
            if row[at] is not None:
                row[at] = f"{row[at].isoformat(' ')}{zone}"
        yield tuple(row)


@contextmanager
def loading():
    """A transaction for a large load. SQLite gets a page cache that holds the indexes of a
    half-million-row table (its default 2 MB makes every insert a cache miss)."""
    with transaction.atomic():
        if connection.vendor != "sqlite":
            yield
            return
        with connection.cursor() as cursor:
            (before,) = cursor.execute("PRAGMA cache_size").fetchone()
            cursor.execute(f"PRAGMA cache_size = {LOAD_CACHE}")
            try:
                yield
            finally:
                cursor.execute(f"PRAGMA cache_size = {int(before)}")


class RowWriter:
    """Rows of ``model`` whose columns are ``varying`` (in that order) then ``constants``.

    ``constants`` are model values (converted by their fields once); a column named in neither
    takes its field's default; the auto-incremented primary key is left to the database."""

    def __init__(self, model: type[models.Model], varying: Sequence[str], constants: dict):
        fields = {f.attname: f for f in model._meta.concrete_fields}
        settled = {**{n: f.get_default() for n, f in fields.items()}, **constants}
        fixed = [n for n in fields if n not in varying and not _auto(fields[n])]
        self.tail = tuple(fields[n].get_db_prep_save(settled[n], connection) for n in fixed)
        columns = [fields[n].column for n in (*varying, *fixed)]
        self.table = connection.ops.quote_name(model._meta.db_table)
        self.columns = ", ".join(connection.ops.quote_name(c) for c in columns)
        self.width = len(columns)

    def write(self, rows: Iterable[tuple]) -> int:
        """Insert ``rows`` (the varying values of each); returns how many."""
        full = (row + self.tail for row in rows)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                return self._copy(cursor.cursor, full)
            return self._insert(cursor, full)

    def _insert(self, cursor, rows) -> int:
        marks = ", ".join(["%s"] * self.width)
        sql = f"INSERT INTO {self.table} ({self.columns}) VALUES ({marks})"  # noqa: S608
        written = 0
        while chunk := list(islice(rows, ROWS_PER_CALL)):
            cursor.executemany(sql, chunk)
            written += len(chunk)
        return written

    def _copy(self, cursor, rows) -> int:
        written = 0
        with cursor.copy(f"COPY {self.table} ({self.columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                written += 1
        return written


def _auto(field: models.Field) -> bool:
    return isinstance(field, models.AutoField)


def analyze(*tables: type[models.Model]) -> None:
    """Refresh the planner's statistics of ``tables`` after a load (outside its transaction):
    without them SQLite reads a search for one invoice through the organization's whole log in
    date order. PostgreSQL also vacuums, as its autovacuum would some minutes later: until the
    visibility map is set, an index-only count still visits every row."""
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    command = "VACUUM (ANALYZE)" if vacuum else "ANALYZE"  # VACUUM needs its own transaction
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
