"""Adding deltas to stored figures in one statement per 500 rows.

``INSERT … ON CONFLICT DO UPDATE SET x = x + excluded.x`` is the same text on SQLite and
PostgreSQL: one statement for any number of rows, atomic between concurrent writers. Callers pass
their rows in key order so two transactions never lock the same rows in opposite orders.
"""

from collections.abc import Sequence

from django.db import connection

ROWS_PER_STATEMENT = 500


def add_rows(model, key_fields: Sequence[str], value_fields: Sequence[str], rows: list) -> None:
    """Add ``rows`` (key values, then value deltas) to ``model``'s rows, creating missing ones."""
    fields = [model._meta.get_field(name) for name in (*key_fields, *value_fields)]
    quote, table = connection.ops.quote_name, connection.ops.quote_name(model._meta.db_table)
    columns = [quote(field.column) for field in fields]
    keys = ", ".join(columns[: len(key_fields)])
    sums = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in columns[len(key_fields) :])
    row_sql = f"({', '.join(['%s'] * len(fields))})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[start : start + ROWS_PER_STATEMENT]
            params = [
                field.get_db_prep_value(value, connection)
                for row in chunk
                for field, value in zip(fields, row, strict=True)
            ]
            # Names come from the model's meta; every value is a parameter.
            sql = (
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES "  # noqa: S608
                f"{', '.join([row_sql] * len(chunk))} ON CONFLICT ({keys}) DO UPDATE SET {sums}"
            )
            cursor.execute(sql, params)
