/**
 * How the ledger lies in EventStoreDB. One stream, the journal (`ledger-journal`), holds every
 * ledger event in the ledger's global order: ledger position n is journal revision n−1, so the
 * order is gap-free and a position is found with one read. Each journal event is the stored
 * ledger event (its id and type are the ledger's) with the chain fields in its metadata.
 * The per-subject/per-incident streams (`<category>-<id>`) hold link events (`$>`) to it, so
 * `readStream` with links resolved serves a stream, and the body is stored once.
 */
import { z } from 'zod';
import { LedgerError } from '../../errors.js';
import type { JsonObject, RecordedEvent } from '../port.js';

export const JOURNAL_STREAM = 'ledger-journal';
/** Server-side filter for `$all`: exactly the journal, which leaves every system event (`$…`) out. */
export const JOURNAL_STREAM_REGEX = `^${JOURNAL_STREAM}$`;
export const LINK_EVENT_TYPE = '$>';

/** Metadata of a journal event: what the chain covers besides the body, and the batch it came in. */
export const JournalMetadata = z.object({
  stream: z.string().min(1),
  revision: z.number().int().nonnegative(),
  recordedAt: z.string(),
  digest: z.string(),
  hash: z.string().nullable(),
  /** Position of the first event of the append this one came in: repair re-links that batch. */
  batchStart: z.number().int().positive(),
});
export type JournalMetadata = z.infer<typeof JournalMetadata>;

/** Metadata of a link event in a `<category>-<id>` stream: enough for idempotency checks without resolving it. */
export const LinkMetadata = z.object({
  position: z.number().int().positive(),
  digest: z.string(),
});
export type LinkMetadata = z.infer<typeof LinkMetadata>;

/** The server holds something the ledger did not write where only the ledger writes: never papered over. */
export class JournalFormatError extends LedgerError {
  readonly code = 'TAMPERED';
}

/** What one journal event from the server carries, narrowed to what the ledger reads. */
export interface JournalRecord {
  readonly streamId: string;
  readonly id: string;
  readonly type: string;
  readonly revision: bigint;
  readonly data: unknown;
  readonly metadata: unknown;
}

export function positionOfRevision(revision: bigint): number {
  return Number(revision) + 1;
}

export function revisionOfPosition(position: number): bigint {
  return BigInt(position - 1);
}

export interface JournalEntry {
  readonly event: RecordedEvent;
  readonly batchStart: number;
}

export function fromJournal(record: JournalRecord): JournalEntry {
  if (record.streamId !== JOURNAL_STREAM) {
    throw new JournalFormatError(`event ${record.id} comes from ${record.streamId}, not from ${JOURNAL_STREAM}`);
  }
  const metadata = JournalMetadata.safeParse(record.metadata);
  if (!metadata.success) {
    throw new JournalFormatError(`journal event ${record.id} at revision ${record.revision}: metadata is not the ledger's (${metadata.error.message})`);
  }
  if (record.data === null || typeof record.data !== 'object' || Array.isArray(record.data)) {
    throw new JournalFormatError(`journal event ${record.id} at revision ${record.revision}: its data is not a JSON object`);
  }
  const { stream, revision, recordedAt, digest, hash, batchStart } = metadata.data;
  return {
    event: {
      position: positionOfRevision(record.revision),
      stream, revision, id: record.id, type: record.type, recordedAt,
      body: record.data as JsonObject, digest, hash,
    },
    batchStart,
  };
}

export function journalMetadataOf(event: RecordedEvent, batchStart: number): JournalMetadata {
  return { stream: event.stream, revision: event.revision, recordedAt: event.recordedAt, digest: event.digest, hash: event.hash, batchStart };
}

/** The data of a link event: `<revision>@<stream>` of the journal event it points at. */
export function linkTarget(position: number): string {
  return `${revisionOfPosition(position)}@${JOURNAL_STREAM}`;
}
