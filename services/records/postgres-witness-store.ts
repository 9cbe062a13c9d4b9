/**
 * A witness's records in PostgreSQL (postgres-records.ts), for a witness run on several hosts:
 * each decision holds a transaction-level advisory lock, so no two hosts cosign against the same
 * last-seen checkpoint, and what a decision keeps commits with it.
 */
import { MalformedRecordError } from './errors.js';
import type { PostgresRecords } from './postgres-records.js';
import type { SeenLog, WitnessDecision, WitnessStore } from './witness-store.js';

/** 'pdl_wit': one witness decision at a time in this database. */
const LOCK_WITNESS = "SELECT pg_advisory_xact_lock(x'70646c5f776974'::bigint)";

export class PostgresWitnessStore implements WitnessStore {
  constructor(private readonly records: PostgresRecords, private readonly onClose: () => Promise<void> = async () => undefined) {}

  decide<T>(decide: (seen: ReadonlyMap<string, SeenLog>) => Promise<WitnessDecision<T>>): Promise<T> {
    return this.records.inTransaction(async (client) => {
      await client.query(LOCK_WITNESS);
      const rows = await client.query<{ log_key: string; origin: string; size: string; root: string; note: string }>(
        'SELECT log_key, origin, size::text AS size, root, note FROM pdl_witness_logs');
      const seen = new Map<string, SeenLog>();
      for (const row of rows.rows) {
        const size = Number(row.size);
        if (!Number.isSafeInteger(size)) throw new MalformedRecordError('a witness record holds a size no checkpoint has: refused');
        seen.set(row.log_key, { origin: row.origin, size, root: row.root, note: row.note });
      }
      const decision = await decide(seen);
      if (decision.keep) {
        const { logKey, seen: kept } = decision.keep;
        await client.query(`INSERT INTO pdl_witness_logs (log_key, origin, size, root, note) VALUES ($1, $2, $3, $4, $5)
          ON CONFLICT (log_key) DO UPDATE SET origin = excluded.origin, size = excluded.size, root = excluded.root, note = excluded.note`,
        [logKey, kept.origin, kept.size, kept.root, kept.note]);
      }
      return decision.result;
    });
  }

  close(): Promise<void> {
    return this.onClose();
  }
}
