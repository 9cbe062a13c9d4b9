/**
 * The write path: validate → normalise → seal personal values → digest → chain → append.
 * A batch stores every valid event and answers every invalid one with all its problems;
 * nothing valid is dropped, nothing invalid is stored.
 */
import { createHmac } from 'node:crypto';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { normaliseIdentifier } from '../../schemas/identifiers.js';
import type { Submitter } from '../../schemas/submitter.js';
import { boundMessage, validateEvent, type FieldError, type LedgerEvent } from '../../schemas/event.js';
import { bodyDigest, canonicalJson } from '../store/digest.js';
import type { AppendOutcome, EventStore, RecordedEvent, StreamWrite } from '../store/port.js';
import { INDEXED_KINDS, type DataKey, type Deletion, type IndexEntry, type KeyStore } from './crypto/key-store.js';
import { hasPersonalValues, openEvent, sealEvent } from './crypto/sealed-values.js';
import { normaliseEvent } from './normalise.js';
import { storedEvent, type OpenedEvent, type SealedEvent } from './stored-event.js';
import { streamOf } from './streams.js';

export type RecordOutcome =
  | { readonly index: number; readonly id: string; readonly status: 'appended'; readonly position: number }
  | { readonly index: number; readonly id: string; readonly status: 'duplicate'; readonly position: number; readonly note?: string }
  | { readonly index: number; readonly id: string | null; readonly status: 'rejected'; readonly errors: readonly FieldError[]; readonly reason?: typeof ID_TAKEN };

export type Rejection = Extract<RecordOutcome, { status: 'rejected' }>;

export interface RecordResult {
  readonly appended: number;
  readonly duplicates: number;
  readonly rejected: readonly Rejection[];
  /** One per input, in input order. */
  readonly outcomes: readonly RecordOutcome[];
}

/** Event types that change what everybody may see or what the ledger judges by: not for every caller. */
export const PRIVILEGED_TYPES: ReadonlySet<string> = new Set(['SubjectErased', 'PolicyPublished']);

/**
 * What only the ledger itself writes: its read audit (`DataViewed`) and actors named after its API
 * keys. From anyone else a "dpo viewed her national id" would be a forgery in the subject's access log.
 */
function ledgerOnly(event: LedgerEvent): FieldError | null {
  if (event.type === 'DataViewed') return { path: 'type', message: 'DataViewed is recorded by the ledger itself when it shows values; no caller may submit one' };
  if (event.actor.id.startsWith('api-key:')) return { path: 'actor.id', message: 'actors named api-key:… are the ledger\'s own records of its API keys; no caller may claim one' };
  return null;
}

export interface RecordOptions {
  /**
   * Who hands these events in: stored in each, under the chain. Default: the one the ledger was
   * opened with (the operator of an in-process caller such as the CLI).
   */
  readonly submitter?: Submitter;
  /**
   * Set when the caller may not record SubjectErased or PolicyPublished: why, as the rejection
   * says it (e.g. "needs the dpo or admin role"). Unset: the caller may (the operator's own CLI).
   */
  readonly privilegedRefusal?: string;
  /**
   * Events per transaction before the request loop gets a turn (default APPEND_CHUNK). A caller
   * on the loop that answers requests passes a smaller one: a request waits for one chunk at
   * each step it takes (headers, body, answer), so its wait is a few chunks long.
   */
  readonly chunkSize?: number;
}

interface Prepared {
  readonly index: number;
  readonly event: LedgerEvent;
}

/**
 * Events appended per transaction before the request loop gets a turn (about a third of a second
 * of work here; a batch of 1,000 stays one transaction). One append is
 * synchronous on the embedded store; a 10,000-event batch in one piece held every other caller
 * (even /health) for seconds. Chunks keep each hold short; a batch never promised atomicity
 * (every event has its own outcome), and the order within it is kept.
 */
export const APPEND_CHUNK = 1000;

/**
 * How long the key-store checkpoints may lag the log. A batch that brings no new key, index
 * entry or erasure then needs no key-store write at all (each costs several fsyncs in its
 * rollback journal); a crash leaves them at most this far behind, and the catch-up at open
 * (applyPendingErasures, indexPending) covers the gap.
 */
export const CHECKPOINT_INTERVAL_MS = 1_000;
const ERASURES_APPLIED = 'erasures-applied-through';
const INDEXED = 'indexed-through';

export class Ledger {
  /** Positions appended since the checkpoints were last written. */
  private unsaved: number[] = [];
  private savedAt = 0;
  private readonly observers = new Set<(result: RecordResult, seconds: number) => void>();

  /** Told of every record call, whatever the entry path (metrics); returns how to stop. */
  observe(observer: (result: RecordResult, seconds: number) => void): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  constructor(
    readonly store: EventStore,
    readonly keys: KeyStore,
    /** Who records when a call names nobody: the process's operator. */
    readonly defaultSubmitter: Submitter,
  ) {}

  async record(inputs: readonly unknown[], options: RecordOptions = {}): Promise<RecordResult> {
    const started = performance.now();
    const outcomes: RecordOutcome[] = new Array(inputs.length);
    const chunk = Math.max(1, options.chunkSize ?? APPEND_CHUNK);
    const submitter = options.submitter ?? this.defaultSubmitter;
    let segment: Prepared[] = [];
    for (const [index, input] of inputs.entries()) {
      // Refusals take time too: a batch of thousands of invalid events must not hold the loop either.
      if (index > 0 && index % chunk === 0) await yieldToLoop();
      const prepared = prepare(input, options, submitter);
      if (!prepared.ok) {
        outcomes[index] = { index, id: idOf(input), status: 'rejected', errors: prepared.errors };
        continue;
      }
      const { event } = prepared;
      segment.push({ index, event });
      // An erasure or a deletion ends a segment: what follows it for the same subject may need a fresh key.
      if (event.type === 'SubjectErased' || event.type === 'DataDeleted' || segment.length >= chunk) {
        await this.appendSegment(segment, outcomes, submitter);
        segment = [];
        await yieldToLoop();
      }
    }
    if (segment.length > 0) await this.appendSegment(segment, outcomes, submitter);
    const result = summarise(outcomes);
    for (const observer of this.observers) observer(result, (performance.now() - started) / 1000);
    return result;
  }

  /*
   * Two checkpoints in the key store say "every event up to here has been handled": its erasure
   * applied, its identifiers indexed. A writer moves them past its own appends when they follow
   * on without a gap; at open, whatever lies between them and the head — a crash between the
   * append and the key-store step, or another writer's events in between — is handled, and they
   * move to the head. So nothing is ever skipped, and the tail read at open stays short.
   */

  /** Applies erasures and deletions recorded in the log but not yet to the key store. */
  async applyPendingErasures(): Promise<number> {
    const after = this.keys.getNumber(ERASURES_APPLIED);
    const { position: head } = await this.store.head();
    let applied = 0;
    for await (const recorded of this.store.readAll({ after, types: ['SubjectErased', 'DataDeleted'] })) {
      if (recorded.position > head) break;
      const event = storedEvent(recorded);
      this.keys.inTransaction(() => {
        if (event.type === 'DataDeleted') this.keys.applyDeletion(deletionOf(event, recorded.recordedAt));
        else this.keys.erase(event.subject!.id, event.id);
      });
      applied += 1;
    }
    this.raiseCheckpoint(ERASURES_APPLIED, head);
    return applied;
  }

  /** Indexes identifiers of events appended but not indexed. A ledger from before this checkpoint starts at its head. */
  async indexPending(): Promise<number> {
    const { position: head } = await this.store.head();
    const after = this.keys.findNumber(INDEXED);
    if (after === null) {
      this.keys.setNumber(INDEXED, head);
      return 0;
    }
    let indexed = 0;
    let page: RecordedEvent[] = [];
    const flush = () => this.keys.inTransaction(() => {
      for (const recorded of page) this.index(this.open(recorded).event);
      indexed += page.length;
      page = [];
    });
    for await (const recorded of this.store.readAll({ after })) {
      if (recorded.position > head) break;
      page.push(recorded);
      if (page.length >= 1000) flush();
    }
    if (page.length > 0) flush();
    this.raiseCheckpoint(INDEXED, head);
    return indexed;
  }

  /** The stored event with its personal values opened; values of erased subjects read as null. */
  open(recorded: RecordedEvent): ReturnType<typeof openEvent> {
    return openEvent(storedEvent(recorded), (kid) => this.keys.keyById(kid));
  }

  private async appendSegment(candidates: readonly Prepared[], outcomes: RecordOutcome[], submitter: Submitter): Promise<void> {
    const segment: Prepared[] = [];
    const writes: StreamWrite[] = [];
    this.keys.inTransaction(() => {
      for (const candidate of candidates) {
        // Whatever fails while sealing one event is that event's rejection, never the batch's.
        try {
          writes.push(this.sealed(candidate.event, submitter));
          segment.push(candidate);
        } catch (error) {
          outcomes[candidate.index] = { index: candidate.index, id: candidate.event.id, status: 'rejected', errors: [unpreparable(error)] };
        }
      }
    });
    if (writes.length === 0) return;
    const results = await this.store.appendMany(writes);
    const originals = await this.originalsOf(results.map((result) => result.outcomes[0]!));
    const identifiers: IndexEntry[] = [];
    const erasures: LedgerEvent[] = [];
    const deletions: Extract<LedgerEvent, { type: 'DataDeleted' }>[] = [];
    const rectified: [string, string][] = [];
    results.forEach((result, i) => {
      const { index, event } = segment[i]!;
      const outcome = result.outcomes[0]!;
      outcomes[index] = toRecordOutcome(index, outcome, originals, submitter);
      if (outcome.status === 'conflict') return;
      if (outcome.status === 'appended') this.unsaved.push(outcome.position);
      // A duplicate too: its first append may have crashed before this step.
      for (const entry of identifiersOf(event)) identifiers.push(entry);
      if (event.type === 'SubjectErased') erasures.push(event);
      // Applied once, when appended; a duplicate's own append did it (or the catch-up at open does, by its recordedAt).
      if (event.type === 'DataDeleted' && outcome.status === 'appended') deletions.push(event);
      if (event.type === 'DataRectified' && outcome.status === 'appended') {
        for (const category of Object.keys(event.data.values)) {
          const kind = INDEXED_KINDS.get(category);
          if (kind) rectified.push([event.subject.id, kind]);
        }
      }
    });
    // A rectified e-mail or phone replaces the earlier ones in the index: written together, the new one last.
    const unindexed = rectified.length > 0 ? identifiers : this.keys.notIndexed(identifiers);
    const due = Date.now() - this.savedAt >= CHECKPOINT_INTERVAL_MS;
    if (unindexed.length === 0 && erasures.length === 0 && deletions.length === 0 && !due) return;
    const recordedAt = new Date().toISOString();
    this.keys.inTransaction(() => {
      for (const [subjectId, kind] of rectified) this.keys.replaceIndexedValues(subjectId, kind);
      for (const { subjectId, kind, value, source } of unindexed) this.keys.addToIndex(subjectId, kind, value, source);
      for (const event of erasures) this.keys.erase(event.subject!.id, event.id);
      for (const event of deletions) this.keys.applyDeletion(deletionOf(event, recordedAt));
      this.saveCheckpoints();
    });
  }

  /** Writes the checkpoints over every position appended since they were last written (call before closing). */
  flushCheckpoints(): void {
    if (this.unsaved.length > 0) this.keys.inTransaction(() => this.saveCheckpoints());
  }

  private saveCheckpoints(): void {
    this.advanceWithoutGap(ERASURES_APPLIED, this.unsaved);
    this.advanceWithoutGap(INDEXED, this.unsaved);
    this.unsaved = [];
    this.savedAt = Date.now();
  }

  /** The digest is of the event as submitted, without its submitter: the same event sent again by another is a duplicate. */
  private sealed(event: LedgerEvent, submitter: Submitter): StreamWrite {
    const subjectId = event.subject?.id;
    const dataKey = hasPersonalValues(event) && subjectId !== undefined ? this.keys.currentKey(subjectId) : null;
    const digest = dataKey
      ? `hmac:${dataKey.kid}:${createHmac('sha256', this.keys.digestKey(dataKey)).update(canonicalJson(event)).digest('hex')}`
      : bodyDigest(event);
    // Each value under its category's key; a collection notes where that category is now held.
    const system = event.type === 'DataCollected' ? event.data.storage.system : null;
    const keyFor = (category: string | null): DataKey => {
      const key = this.keys.currentKey(subjectId!, category);
      if (system !== null && category !== null) this.keys.heldIn(key, system);
      return key;
    };
    const body = { ...sealEvent(event, dataKey ? keyFor : null), submitter };
    return { stream: streamOf(event), events: [{ id: event.id, type: event.type, body, digest }] };
  }

  /** Look-up identifiers go to the blind index: those named in `subject` and collected or rectified e-mails and phones. */
  private index(event: OpenedEvent): void {
    for (const { subjectId, kind, value, source } of identifiersOf(event)) this.keys.addToIndex(subjectId, kind, value, source);
  }

  /** Moves a checkpoint over these positions as far as they follow on from it without a gap. */
  private advanceWithoutGap(name: string, positions: readonly number[]): void {
    let through = this.keys.getNumber(name);
    for (const position of [...positions].sort((a, b) => a - b)) {
      if (position === through + 1) through = position;
      else if (position > through) break;
    }
    this.raiseCheckpoint(name, through);
  }

  private raiseCheckpoint(name: string, position: number): void {
    if (position > this.keys.getNumber(name)) this.keys.setNumber(name, position);
  }

  /**
   * Who submitted each event an id already names, and whether its values can still all be opened:
   * what the answer for an existing id may say depends on both (toRecordOutcome).
   */
  private async originalsOf(outcomes: readonly AppendOutcome[]): Promise<Map<number, Original>> {
    const positions = outcomes.flatMap((o) => (o.status === 'duplicate' ? [o.position] : o.status === 'conflict' ? [o.existing.position] : []));
    if (positions.length === 0) return new Map();
    const stored = await this.store.readPositions([...new Set(positions)].sort((a, b) => a - b));
    return new Map(stored.map((recorded) => {
      const opened = this.open(recorded);
      return [recorded.position, { submitter: storedEvent(recorded).submitter ?? null, valuesGone: opened.unreadable > 0 }];
    }));
  }
}

/**
 * Look-up identifiers for the blind index: those named in `subject`, and collected or rectified
 * e-mails and phones. Values read back from the log are null where their key is destroyed:
 * nothing to index.
 */
function identifiersOf(event: OpenedEvent): IndexEntry[] {
  if (!event.subject) return [];
  const subjectId = event.subject.id;
  const found: IndexEntry[] = (event.subject.identifiers ?? [])
    .flatMap(({ kind, value }): IndexEntry[] => (value === null ? [] : [{ subjectId, kind, value, source: 'identifier' }]));
  if ((event.type === 'DataCollected' || event.type === 'DataRectified') && event.data.values) {
    const values: Partial<Record<string, string | null>> = event.data.values;
    for (const [category, kind] of INDEXED_KINDS) {
      const value = values[category];
      const normalised = typeof value === 'string' ? normaliseIdentifier(kind, value) : null;
      if (normalised !== null) found.push({ subjectId, kind, value: normalised, source: 'value' });
    }
  }
  return found;
}

/** What a DataDeleted asks of the key store: its categories, everywhere or in the systems named. */
function deletionOf(event: Extract<LedgerEvent, { type: 'DataDeleted' }> | Extract<SealedEvent, { type: 'DataDeleted' }>, recordedAt: string): Deletion {
  return {
    subjectId: event.subject.id, categories: event.data.categories, eventId: event.id, recordedAt,
    ...(event.data.systems ? { systems: event.data.systems } : {}),
  };
}

const SUBMITTER_IS_THE_LEDGERS = 'set by the ledger from who submits the event (the API key, the operator, the Kafka topic); do not send it';

interface Original {
  readonly submitter: Submitter | null;
  /** Some of its values were erased or deleted since: nothing of them may be compared again. */
  readonly valuesGone: boolean;
}

const sameSubmitter = (a: Submitter | null, b: Submitter): boolean => a !== null && a.kind === b.kind && a.id === b.id;

/** Marks a refusal that says only "this id is taken": counted per key (an id resubmitted with guesses is an oracle attempt). */
export const ID_TAKEN = 'id-taken';

/**
 * The answer for an id already in the ledger. To anyone but its original submitter: only that the
 * id is taken — whether the content is the same would tell a guesser the sealed values (a phone
 * number tried 2,000 times until one answer says "duplicate"). To the original submitter: the
 * usual duplicate or conflict, unless some of its values are gone (then nothing is compared).
 */
function toRecordOutcome(index: number, outcome: AppendOutcome, originals: ReadonlyMap<number, Original>, submitter: Submitter): RecordOutcome {
  if (outcome.status === 'appended') return { index, ...outcome };
  const position = outcome.status === 'duplicate' ? outcome.position : outcome.existing.position;
  const original = originals.get(position);
  if (!original || !sameSubmitter(original.submitter, submitter)) {
    return {
      index, id: outcome.id, status: 'rejected', reason: ID_TAKEN,
      errors: [{ path: 'id', message: 'an event with this id was recorded before, by another submitter: ids are idempotency keys, use a new id for a new event' }],
    };
  }
  if (original.valuesGone) {
    return { index, id: outcome.id, status: 'duplicate', position, note: 'recorded before; some of its values have been erased or deleted since, so the content was not compared' };
  }
  if (outcome.status === 'duplicate') return { index, ...outcome };
  return {
    index, id: outcome.id, status: 'rejected', reason: ID_TAKEN,
    // Nothing about the original (its stream names a subject): only that the id is taken.
    errors: [{ path: 'id', message: 'an event with this id was recorded before with different content; ids are idempotency keys, use a new id for a new event' }],
  };
}

type Preparation = { ok: true; event: LedgerEvent } | { ok: false; errors: readonly FieldError[] };

/** validate → authorise → normalise, for one input; whatever it throws is this input's rejection. */
function prepare(input: unknown, options: RecordOptions, submitter: Submitter): Preparation {
  try {
    const validation = validateEvent(input);
    if (!validation.ok) {
      // The schema calls it an unknown field; say whose field it is.
      const errors = validation.errors.map((error) => (error.path === 'submitter' ? { path: 'submitter', message: SUBMITTER_IS_THE_LEDGERS } : error));
      return { ok: false, errors };
    }
    const forged = submitter.kind === 'ledger' ? null : ledgerOnly(validation.event);
    if (forged) return { ok: false, errors: [forged] };
    if (options.privilegedRefusal !== undefined && PRIVILEGED_TYPES.has(validation.event.type)) {
      return { ok: false, errors: [{ path: 'type', message: `${validation.event.type} ${options.privilegedRefusal}` }] };
    }
    return { ok: true, event: normaliseEvent(validation.event) };
  } catch (error) {
    return { ok: false, errors: [unpreparable(error)] };
  }
}

/** The error's kind only: an unexpected message may quote the input. */
function unpreparable(error: unknown): FieldError {
  const kind = error instanceof Error ? error.name : typeof error;
  return { path: '(root)', message: `this event could not be prepared for storage (${kind}); nothing of it was stored` };
}

function idOf(input: unknown): string | null {
  const id = typeof input === 'object' && input !== null && 'id' in input ? input.id : undefined;
  return typeof id === 'string' ? boundMessage(id) : null;
}

function summarise(outcomes: readonly RecordOutcome[]): RecordResult {
  let appended = 0;
  let duplicates = 0;
  const rejected: Rejection[] = [];
  for (const outcome of outcomes) {
    if (outcome.status === 'appended') appended += 1;
    else if (outcome.status === 'duplicate') duplicates += 1;
    else rejected.push(outcome);
  }
  return { appended, duplicates, rejected, outcomes };
}
