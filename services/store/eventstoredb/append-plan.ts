/**
 * Planning an append against a known journal head, without touching the server: which events
 * are new, duplicates or conflicts, their positions, revisions and chain hashes. The store then
 * writes the plan in one journal append guarded by the head's revision, so a plan made on a
 * stale head is refused by the server and made again — that guard is what keeps a single chain
 * under concurrent writers.
 */
import { bodyDigest } from '../digest.js';
import { checkExpectedRevision } from '../expected-revision.js';
import type { AppendOutcome, AppendResult, Chain, Head, RecordedEvent, StreamWrite } from '../port.js';

export interface KnownEvent {
  readonly digest: string;
  readonly position: number;
  readonly revision: number;
}

/** A stream as its links show it: its last revision (−1: none) and the ids it holds. */
export interface StreamState {
  readonly revision: number;
  readonly ids: ReadonlyMap<string, KnownEvent>;
}

/** As the port's outcomes, but a conflict names the existing event by position; the store reads it to report it. */
export type PlannedOutcome =
  | Exclude<AppendOutcome, { status: 'conflict' }>
  | { readonly status: 'conflict'; readonly id: string; readonly existingPosition: number };

export type PlannedResult = Omit<AppendResult, 'outcomes'> & { readonly outcomes: readonly PlannedOutcome[] };

export interface AppendPlan {
  /** New events in journal order, chained onto the head. */
  readonly entries: readonly RecordedEvent[];
  readonly results: readonly PlannedResult[];
}

export function planAppend(input: {
  readonly head: Head;
  readonly streams: ReadonlyMap<string, StreamState>;
  readonly writes: readonly StreamWrite[];
  readonly chain?: Chain;
  readonly recordedAt: string;
}): AppendPlan {
  let position = input.head.position;
  let previousHash = input.head.hash;
  const entries: RecordedEvent[] = [];
  const revisions = new Map<string, number>();
  const known = new Map<string, KnownEvent & { readonly stream: string }>();
  for (const [stream, state] of input.streams) {
    revisions.set(stream, state.revision);
    for (const [id, event] of state.ids) known.set(id, { ...event, stream });
  }

  const results = input.writes.map((write): PlannedResult => {
    const current = revisions.get(write.stream) ?? -1;
    // A slot per event, in order; the fresh ones are filled once planned.
    const outcomes: (PlannedOutcome | null)[] = [];
    const fresh: { id: string; type: string; body: RecordedEvent['body']; digest: string; slot: number }[] = [];
    for (const event of write.events) {
      const digest = event.digest ?? bodyDigest(event.body);
      const existing = known.get(event.id);
      if (existing === undefined) {
        fresh.push({ id: event.id, type: event.type, body: event.body, digest, slot: outcomes.length });
        outcomes.push(null);
        known.set(event.id, { stream: write.stream, digest, position: Number.NaN, revision: Number.NaN });
      } else if (existing.stream === write.stream && existing.digest === digest) {
        outcomes.push({ status: 'duplicate', id: event.id, position: existing.position, revision: existing.revision });
      } else {
        outcomes.push({ status: 'conflict', id: event.id, existingPosition: existing.position });
      }
    }
    // A retry of an append that already happened succeeds whatever revision it expected.
    if (fresh.length > 0) checkExpectedRevision(write.stream, write.expectedRevision ?? 'any', current);

    let revision = current;
    for (const { id, type, body, digest, slot } of fresh) {
      position += 1;
      revision += 1;
      const unchained = { position, stream: write.stream, revision, id, type, recordedAt: input.recordedAt, body, digest };
      const hash = input.chain ? input.chain.link(previousHash, unchained) : null;
      previousHash = hash;
      entries.push({ ...unchained, hash });
      known.set(id, { stream: write.stream, digest, position, revision });
      outcomes[slot] = { status: 'appended', id, position, revision };
    }
    revisions.set(write.stream, revision);
    return { stream: write.stream, nextExpectedRevision: revision, outcomes: outcomes.map(filled) };
  });
  // Same id twice in one batch: the second answers with the first's final position.
  const settled = results.map((result) => ({
    ...result,
    outcomes: result.outcomes.map((outcome): PlannedOutcome => {
      if (outcome.status === 'appended') return outcome;
      const final = known.get(outcome.id)!;
      if (outcome.status === 'duplicate') return { ...outcome, position: final.position, revision: final.revision };
      return { ...outcome, existingPosition: final.position };
    }),
  }));
  return { entries, results: settled };
}

/** The links to write per stream, in revision order: one server append per stream. */
export function linksByStream(entries: readonly RecordedEvent[]): Map<string, RecordedEvent[]> {
  const byStream = new Map<string, RecordedEvent[]>();
  for (const entry of entries) {
    const list = byStream.get(entry.stream) ?? [];
    list.push(entry);
    byStream.set(entry.stream, list);
  }
  return byStream;
}

/** Every slot was filled: a fresh event is always planned. */
function filled<T>(outcome: T | null): T {
  if (outcome === null) throw new Error('a planned outcome was left unfilled');
  return outcome;
}
