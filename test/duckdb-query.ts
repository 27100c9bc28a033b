// DuckDB for the tests that make and read Parquet files: one query in a
// short-lived in-memory database.

import { createRequire } from 'node:module';
import type * as Api from '@duckdb/node-api';

export const duck = createRequire(import.meta.url)('@duckdb/node-api') as typeof Api;

/** Runs one statement and returns its rows. */
export async function query<T = unknown>(sql: string): Promise<T[][]> {
  const instance = await duck.DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  try {
    return (await c.runAndReadAll(sql)).getRows() as T[][];
  } finally {
    c.closeSync();
    instance.closeSync();
  }
}
