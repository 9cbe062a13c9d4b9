/**
 * The embedded log read as stored, for `pdl verify`: rows undecoded (a row altered into any shape
 * is the verifier's to name, not the reader's to trip on), and a database opened so that verifying
 * a ledger changes nothing on disk — no table created, no pragma set, no file left beside it.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { LedgerError, ValidationError } from '../../errors.js';
import type { Head, StoredRow, StoredRows } from '../port.js';

/** The file's pages themselves are damaged (SQLite says so): evidence, not a failure to run. */
export class DamagedLogError extends LedgerError {
  readonly code = 'TAMPERED';
}

interface RawRow {
  position: unknown; stream: unknown; revision: unknown; id: unknown; type: unknown; recorded_at: unknown; body: unknown; hash: unknown;
}

const PAGE = 1000;
const COLUMNS = ['position', 'stream', 'revision', 'id', 'type', 'recorded_at', 'body', 'hash'];

/** The rows of an embedded log's `events` table after `from` (default: all) in position order, a page at a time, as stored. */
export async function* storedRowsOf(db: Database.Database, from = 0): AsyncIterable<StoredRow> {
  const page = db.prepare<[number, number], RawRow>(
    'SELECT position, stream, revision, id, type, recorded_at, body, hash FROM events WHERE position > ? ORDER BY position LIMIT ?');
  let after = from;
  for (;;) {
    const rows = damagedAs(() => page.all(after, PAGE));
    for (const row of rows) yield { ...row, recordedAt: row.recorded_at };
    const last = rows.at(-1)?.position;
    // An INTEGER PRIMARY KEY is always an integer; a table rebuilt otherwise ends the paging where the verifier stops anyway.
    if (rows.length < PAGE || typeof last !== 'number') return;
    after = last;
  }
}

function damagedAs<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : '';
    if (code.startsWith('SQLITE_CORRUPT')) throw new DamagedLogError(`the database file is damaged: ${error instanceof Error ? error.message : code}`);
    throw error;
  }
}

/**
 * A SQLite database opened to read only. Not `readonly: true`: a read-only connection to a WAL
 * database leaves its -wal and -shm files behind, while a connection that never writes removes
 * them as the last one to close. `query_only` keeps it from writing all the same.
 */
export function openToRead(path: string, what: string): Database.Database {
  if (!existsSync(path)) throw new ValidationError(`no ${what} at ${path}`);
  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: true });
    db.pragma('query_only = ON');
    db.pragma('busy_timeout = 10000');
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (error) {
    throw new ValidationError(`${path} cannot be read as a ${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return db;
}

export const hasTable = (db: Database.Database, name: string): boolean =>
  db.prepare<[string], { n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?").get(name)?.n === 1;

/** The embedded log, alone and read-only (README "Proof: pdl verify"). */
export class SqliteLogReader implements StoredRows {
  readonly db: Database.Database;

  constructor(readonly path: string) {
    this.db = openToRead(path, 'ledger');
    const columns = hasTable(this.db, 'events')
      ? new Set(this.db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('events')").all().map((c) => c.name))
      : new Set<string>();
    const missing = COLUMNS.filter((c) => !columns.has(c));
    if (missing.length > 0) {
      this.db.close();
      throw new ValidationError(`${path} is not a pdl ledger: ${columns.size === 0 ? 'it has no events table' : `its events table has no ${missing.join(', ')}`}`);
    }
  }

  /** The last row's position and hash, whatever they were altered into. */
  async head(): Promise<Head> {
    const row = damagedAs(() => this.db.prepare<[], { position: unknown; hash: unknown }>('SELECT position, hash FROM events ORDER BY position DESC LIMIT 1').get());
    return { position: typeof row?.position === 'number' ? row.position : 0, hash: typeof row?.hash === 'string' ? row.hash : null };
  }

  storedRows(after = 0): AsyncIterable<StoredRow> {
    return storedRowsOf(this.db, after);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
