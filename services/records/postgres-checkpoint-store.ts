/**
 * Signed checkpoints in PostgreSQL beside the log (postgres-records.ts): a checkpoint signed by
 * any server is listed, proven against and verified by every other, and `pdl verify --store`
 * reads them from the server with the chain.
 */
import { checkpointOf, forked, type CheckpointStore, type SignedCheckpoint, type StoredCheckpointRow } from './checkpoint-store.js';
import type { PostgresRecords } from './postgres-records.js';

interface Row { size: string; root: string; note: string; signed_at: string }

/** A stored size as a number where it is one exactly; a larger one stays text (and verification calls the row malformed). */
const sizeOf = (value: unknown): unknown => {
  const n = Number(value);
  return typeof value === 'string' && Number.isSafeInteger(n) ? n : value;
};

export class PostgresCheckpointStore implements CheckpointStore {
  constructor(private readonly records: PostgresRecords) {}

  private async one(sql: string, values: unknown[] = []): Promise<SignedCheckpoint | null> {
    const [row] = await this.records.read<Row>(sql, values);
    return row ? checkpointOf(row) : null;
  }

  latest(): Promise<SignedCheckpoint | null> {
    return this.one('SELECT * FROM pdl_checkpoints ORDER BY size DESC LIMIT 1');
  }

  latestUpTo(size: number): Promise<SignedCheckpoint | null> {
    return this.one('SELECT * FROM pdl_checkpoints WHERE size <= $1 ORDER BY size DESC LIMIT 1', [size]);
  }

  atSize(size: number): Promise<SignedCheckpoint | null> {
    return this.one('SELECT * FROM pdl_checkpoints WHERE size = $1', [size]);
  }

  async all(): Promise<SignedCheckpoint[]> {
    return (await this.records.read<Row>('SELECT * FROM pdl_checkpoints ORDER BY size')).map(checkpointOf);
  }

  async storedAfter(size: number): Promise<StoredCheckpointRow[]> {
    const rows = await this.records.read<{ size: unknown; root: unknown; note: unknown; signed_at: unknown }>(
      'SELECT size::text AS size, root, note, signed_at FROM pdl_checkpoints WHERE size > $1 ORDER BY size', [size]);
    return rows.map((row) => ({ size: sizeOf(row.size), root: row.root, note: row.note, signedAt: row.signed_at }));
  }

  async verifierKey(): Promise<string | null> {
    const [row] = await this.records.read<{ value: string }>("SELECT value FROM pdl_tlog_meta WHERE name = 'verifier_key'");
    return row?.value ?? null;
  }

  async add(checkpoints: readonly SignedCheckpoint[], verifierKey?: string): Promise<void> {
    await this.records.inTransaction(async (client) => {
      for (const checkpoint of checkpoints) {
        const inserted = await client.query('INSERT INTO pdl_checkpoints (size, root, note, signed_at) VALUES ($1, $2, $3, $4) ON CONFLICT (size) DO NOTHING',
          [checkpoint.size, checkpoint.root, checkpoint.note, checkpoint.signedAt]);
        if (inserted.rowCount === 1) continue;
        const held = await client.query<{ root: string }>('SELECT root FROM pdl_checkpoints WHERE size = $1', [checkpoint.size]);
        if (held.rows[0]?.root !== checkpoint.root) throw forked(checkpoint, held.rows[0]?.root);
      }
      if (verifierKey !== undefined) {
        await client.query("INSERT INTO pdl_tlog_meta (name, value) VALUES ('verifier_key', $1) ON CONFLICT (name) DO UPDATE SET value = excluded.value", [verifierKey]);
      }
    });
  }

  /** The connections are the log's: closed with it. */
  async close(): Promise<void> {}
}
