/**
 * The event-store port. Async and shaped after EventStoreDB (streams, revisions, a global
 * order, `$all` subscriptions) so its adapter maps one call to one call; the embedded
 * SQLite adapter implements the same contract (test/contract/).
 */

/** `no-stream`: the stream must not exist; `any`: no check; a number: the stream's current revision. */
export type ExpectedRevision = 'no-stream' | 'any' | number;

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface EventToAppend {
  /** The event's own id (UUID); appending the same id again is a no-op. */
  readonly id: string;
  readonly type: string;
  readonly body: JsonObject;
  /**
   * What "the same content" means for idempotency. Defaults to a digest of `body`; writers
   * whose bodies differ on every write (random nonces) pass a stable digest of their own.
   */
  readonly digest?: string;
}

export interface RecordedEvent {
  /** Global position, 1-based and gap-free on the embedded store. */
  readonly position: number;
  readonly stream: string;
  /** Revision within the stream, 0-based. */
  readonly revision: number;
  readonly id: string;
  readonly type: string;
  readonly recordedAt: string;
  readonly body: JsonObject;
  readonly digest: string;
  /** The chain hash the store's `chain` gave this event, when it has one. */
  readonly hash: string | null;
}

/**
 * A stored event exactly as read, before anything about it is trusted: what `pdl verify` checks,
 * so that a row altered into any shape — a body that is not JSON, a NULL, a number where text
 * was — is named by its position instead of failing the read.
 */
export interface StoredRow {
  readonly position: unknown;
  readonly stream: unknown;
  readonly revision: unknown;
  readonly id: unknown;
  readonly type: unknown;
  readonly recordedAt: unknown;
  /** The stored text of the body (the embedded store), or the body already decoded (stores that hand over JSON). */
  readonly body: unknown;
  readonly hash: unknown;
}

/** A store that can hand over its rows undecoded, in position order (for verification). */
export interface StoredRows {
  /** Rows after `after` (default 0: every row) in position order. */
  storedRows(after?: number): AsyncIterable<StoredRow>;
}

/** What the chain sees of an event before it is stored; it answers the event's hash. */
export type Unchained = Omit<RecordedEvent, 'hash'>;
export interface Chain {
  link(previousHash: string | null, event: Unchained): string;
}

export interface StreamWrite {
  readonly stream: string;
  readonly events: readonly EventToAppend[];
  readonly expectedRevision?: ExpectedRevision;
}

export type AppendOutcome =
  | { readonly status: 'appended'; readonly id: string; readonly position: number; readonly revision: number }
  | { readonly status: 'duplicate'; readonly id: string; readonly position: number; readonly revision: number }
  | { readonly status: 'conflict'; readonly id: string; readonly existing: RecordedEvent };

export interface AppendResult {
  readonly stream: string;
  /** The stream's revision after the append (-1: still empty). */
  readonly nextExpectedRevision: number;
  readonly outcomes: readonly AppendOutcome[];
}

export interface ReadAllOptions {
  /** Read events after this position (exclusive); 0 reads from the start. */
  readonly after?: number;
  readonly limit?: number;
  /** Only these event types (served by the store, not filtered by the caller). */
  readonly types?: readonly string[];
}

export interface ReadStreamOptions {
  /** First revision to read (inclusive). */
  readonly fromRevision?: number;
  readonly limit?: number;
}

export interface Head {
  /** Position of the last event; 0 when the store is empty. */
  readonly position: number;
  readonly hash: string | null;
}

export interface SubscribeOptions {
  /** Deliver events after this position (a checkpoint); 0 from the start. */
  readonly after: number;
  /** How many events to hand over at once. */
  readonly batchSize?: number;
}

export interface Subscription {
  /** Resolves once the subscription has stopped and no handler is running. */
  stop(): Promise<void>;
  /** Resolves (or rejects with the handler's error) when the subscription ends. */
  readonly done: Promise<void>;
}

export type SubscriptionHandler = (events: readonly RecordedEvent[]) => Promise<void> | void;

export interface EventStore {
  /** Appends to one stream. Throws `WrongExpectedVersionError`, `IdempotencyConflictError`. */
  append(stream: string, events: readonly EventToAppend[], options?: { expectedRevision?: ExpectedRevision }): Promise<AppendResult>;
  /**
   * Appends to several streams in one go (atomically where the store can). Conflicting
   * re-appends are reported per event, not thrown, so one bad id never blocks a batch.
   * Throws `WrongExpectedVersionError`; nothing is written then.
   */
  appendMany(writes: readonly StreamWrite[]): Promise<AppendResult[]>;
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;
  /** Events at these positions, in position order; positions not in the log are left out. */
  readPositions(positions: readonly number[]): Promise<RecordedEvent[]>;
  /** Catch up from `after`, then follow new appends, handing events over in order. */
  subscribeAll(options: SubscribeOptions, handler: SubscriptionHandler): Subscription;
  head(): Promise<Head>;
  close(): Promise<void>;
}

/**
 * Taking over another store's events exactly as they were stored — positions, revisions,
 * `recordedAt`, digests and chain hashes — so a copied ledger verifies with the same head hash
 * (`pdl migrate`). Events must continue this store's head without a gap.
 */
export interface VerbatimImport {
  importRecorded(events: readonly RecordedEvent[]): Promise<void>;
}
