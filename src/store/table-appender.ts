import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import type { TableDef } from './schema.js';

/**
 * Appends `rows` to `def`'s table through a DuckDB Appender, on `connection`'s current transaction:
 * measured to be an order of magnitude faster than INSERTs, and (checked by test) its rows commit
 * and roll back with an explicit transaction on the same connection.
 */
export async function appendRows<R>(connection: DuckDBConnection, def: TableDef<R>, rows: readonly R[]): Promise<void> {
  if (rows.length === 0) return;
  const appender = await connection.createAppender(def.name);
  try {
    for (const row of rows) {
      for (const column of def.columns) appendValue(appender, column, row);
      appender.endRow();
    }
    // Flushes into the transaction; errors (constraints, types) surface here.
    appender.closeSync();
  } catch (err) {
    // Drop what is still buffered so nothing reaches the table after the caller rolls back.
    try {
      appender.clear();
      appender.closeSync();
    } catch {
      // Already closed or unusable: nothing buffered is left to flush.
    }
    throw err;
  }
}

function appendValue<R>(appender: DuckDBAppender, column: TableDef<R>['columns'][number], row: R): void {
  switch (column.kind) {
    case 'varchar':
    case 'json': {
      const v = column.get(row);
      if (v === null) appender.appendNull();
      else appender.appendVarchar(v);
      return;
    }
    case 'bigint': {
      const v = column.get(row);
      if (v === null) appender.appendNull();
      else appender.appendBigInt(v);
      return;
    }
    case 'ubigint': {
      const v = column.get(row);
      if (v === null) appender.appendNull();
      else appender.appendUBigInt(v);
      return;
    }
    case 'integer': {
      const v = column.get(row);
      if (v === null) appender.appendNull();
      else appender.appendInteger(clamp(v, -0x8000_0000, 0x7fff_ffff));
      return;
    }
    case 'uinteger': {
      const v = column.get(row);
      if (v === null) appender.appendNull();
      else appender.appendUInteger(clamp(v, 0, 0xffff_ffff));
      return;
    }
    case 'double': {
      const v = column.get(row);
      if (v === null) appender.appendNull();
      else appender.appendDouble(v);
      return;
    }
    case 'boolean': {
      const v = column.get(row);
      if (v === null) appender.appendNull();
      else appender.appendBoolean(v);
      return;
    }
  }
}

/**
 * Enum and flag fields are 32-bit on the wire, but a value outside the column's range must not make
 * the whole batch fail forever (the consumer would retry it endlessly): it is clamped instead.
 */
function clamp(v: number, min: number, max: number): number {
  if (Number.isNaN(v)) return 0;
  return Math.trunc(Math.min(max, Math.max(min, v)));
}
