/**
 * The write path: validate → normalise → seal personal values → digest → chain → append, then
 * the events appended handed to the key upkeep (key-upkeep.ts) in the same call.
 * A batch stores every valid event and answers every invalid one with all its problems;
 * nothing valid is dropped, nothing invalid is stored.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Submitter } from '../../schemas/submitter.js';
import { boundMessage, validateEvent, type FieldError, type LedgerEvent } from '../../schemas/event.js';
import type { AppendOutcome, EventStore, RecordedEvent, StreamWrite } from '../store/port.js';
import type { KeyUpkeep, UpkeepEvent } from './key-upkeep.js';
import type { DataKey, KeyStore } from './keys/key-store.js';
import { normaliseEvent } from './normalise.js';
import { keySlotsOf, openAll, seal, type openEvent } from './sealing.js';
import { storedEvent, type OpenedEvent } from './stored-event.js';
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
  /**
   * The highest log position among the events appended or found already recorded: a read that
   * asks to see at least it sees every one of them (read-your-writes). Null when none was.
   */
  readonly position: number | null;
}

/** Event types that change what everybody may see or what the ledger judges by: not for every caller. */
export const PRIVILEGED_TYPES: ReadonlySet<string> = new Set(['SubjectErased', 'PolicyPublished']);

/**
 * What only the ledger itself writes: its read audit (`DataViewed`) and actors named after its API
 * keys. From anyone else a "dpo viewed her national id" would be a forgery in the subject's access log.
 */
function ledgerOnly(event: LedgerEvent): FieldError | null {
  if (event.type === 'DataViewed') return { path: 'type', message: 'DataViewed is recorded by the ledger itself when it shows values; no caller may submit one' };
  if (event.type === 'DeletionOrdered') return { path: 'type', message: 'DeletionOrdered is recorded by the ledger itself when an erasure is due; no caller may submit one' };
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

export class Ledger {
  private readonly observers = new Set<(result: RecordResult, seconds: number) => void>();

  /** Told of every record call, whatever the entry path (metrics); returns how to stop. */
  observe(observer: (result: RecordResult, seconds: number) => void): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  constructor(
    readonly store: EventStore,
    readonly keys: KeyStore,
    /** Carries what was appended into the key store: erasures applied, identifiers indexed. */
    readonly upkeep: KeyUpkeep,
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
        outcomes[index] = { index, id: submittedIdOf(input), status: 'rejected', errors: prepared.errors };
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

  /** The stored event with its personal values opened; values of erased subjects read as null. */
  async open(recorded: RecordedEvent): Promise<ReturnType<typeof openEvent>> {
    const [opened] = await openAll([recorded], this.keys);
    return opened!;
  }

  /** The same for many events, their keys fetched in one call. */
  openAll(recorded: readonly RecordedEvent[]): Promise<ReturnType<typeof openEvent>[]> {
    return openAll(recorded, this.keys);
  }

  private async appendSegment(candidates: readonly Prepared[], outcomes: RecordOutcome[], submitter: Submitter): Promise<void> {
    const segment: Prepared[] = [];
    const writes: StreamWrite[] = [];
    // Every key the segment seals with, in one call: created where missing, under the key store's write lock.
    const keys = await this.keys.sealingKeys(candidates.flatMap(({ event }) => keySlotsOf(event)));
    for (const candidate of candidates) {
      // Whatever fails while sealing one event is that event's rejection, never the batch's.
      try {
        writes.push(this.streamWrite(candidate.event, keys, submitter));
        segment.push(candidate);
      } catch (error) {
        outcomes[candidate.index] = { index: candidate.index, id: candidate.event.id, status: 'rejected', errors: [unpreparable(error)] };
      }
    }
    if (writes.length === 0) return;
    const results = await this.store.appendMany(writes);
    const originals = await this.originalsOf(results.map((result) => result.outcomes[0]!));
    // Later than the append: a deletion here destroys no key made for what follows it.
    const recordedAt = new Date().toISOString();
    const carried: UpkeepEvent[] = [];
    results.forEach((result, i) => {
      const { index, event } = segment[i]!;
      const outcome = result.outcomes[0]!;
      outcomes[index] = toRecordOutcome(index, outcome, originals, submitter);
      if (outcome.status === 'appended') carried.push({ position: outcome.position, recordedAt, event, appended: true });
      if (outcome.status !== 'duplicate') return;
      // A retry is carried as the log holds it: after an erasure its values, and so its identifiers, are gone.
      const original = originals.get(outcome.position);
      if (original) carried.push({ position: outcome.position, recordedAt: original.recordedAt, event: original.opened, appended: false });
    });
    await this.upkeep.apply(carried);
  }

  /** The stream write of one event: sealed, with its digest, and who submitted it (under the chain, outside the digest). */
  private streamWrite(event: LedgerEvent, keys: ReadonlyMap<string, DataKey>, submitter: Submitter): StreamWrite {
    const { body, digest } = seal(event, keys);
    return { stream: streamOf(event), events: [{ id: event.id, type: event.type, body: { ...body, submitter }, digest }] };
  }

  /**
   * Who submitted each event an id already names, and whether its values can still all be opened:
   * what the answer for an existing id may say depends on both (toRecordOutcome).
   */
  private async originalsOf(outcomes: readonly AppendOutcome[]): Promise<Map<number, Original>> {
    const positions = outcomes.flatMap((o) => (o.status === 'duplicate' ? [o.position] : o.status === 'conflict' ? [o.existing.position] : []));
    if (positions.length === 0) return new Map();
    const stored = await this.store.readPositions([...new Set(positions)].sort((a, b) => a - b));
    const openedAll = await this.openAll(stored);
    return new Map(stored.map((recorded, i) => {
      const opened = openedAll[i]!;
      return [recorded.position, {
        submitter: storedEvent(recorded).submitter ?? null, valuesGone: opened.unreadable > 0, recordedAt: recorded.recordedAt, opened: opened.event,
      }];
    }));
  }
}

const SUBMITTER_IS_THE_LEDGERS = 'set by the ledger from who submits the event (the API key, the operator, the Kafka topic); do not send it';

interface Original {
  readonly submitter: Submitter | null;
  /** Some of its values were erased or deleted since: nothing of them may be compared again. */
  readonly valuesGone: boolean;
  readonly recordedAt: string;
  readonly opened: OpenedEvent;
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

/** The id an input named, bounded, for its rejection; null when it names none. */
function submittedIdOf(input: unknown): string | null {
  const id = typeof input === 'object' && input !== null && 'id' in input ? input.id : undefined;
  return typeof id === 'string' ? boundMessage(id) : null;
}

function summarise(outcomes: readonly RecordOutcome[]): RecordResult {
  let appended = 0;
  let duplicates = 0;
  let position: number | null = null;
  const rejected: Rejection[] = [];
  for (const outcome of outcomes) {
    if (outcome.status === 'rejected') {
      rejected.push(outcome);
      continue;
    }
    if (outcome.status === 'appended') appended += 1;
    else duplicates += 1;
    position = Math.max(position ?? 0, outcome.position);
  }
  return { appended, duplicates, rejected, outcomes, position };
}
