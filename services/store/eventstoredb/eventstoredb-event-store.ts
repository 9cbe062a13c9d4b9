/**
 * The store port on EventStoreDB / KurrentDB (gRPC, @eventstore/db-client), for a ledger that
 * outgrows one machine. Layout (journal.ts): the journal stream is the ledger's global order and
 * chain; `<category>-<id>` streams hold links to it.
 *
 * Writing: plan against the journal head (append-plan.ts), append the plan to the journal with
 * the head's revision as expected revision — the server refuses it if any other writer got there
 * first, and the plan is made again on the new head — then write the links. Several writers
 * therefore keep one gap-free, unbroken chain without a lock service. A writer that dies between
 * the journal append and its links leaves the links of the last batch missing; whoever loads the
 * head next writes them (idempotently: same ids, exact revisions) before appending anything.
 */
import {
  BACKWARDS, END, EventStoreDBClient, START, binaryEvent, jsonEvent, streamNameFilter,
  type AllStreamSubscription, type Position, type ReadPosition, type ResolvedEvent,
} from '@eventstore/db-client';
import pLimit from 'p-limit';
import { WrongExpectedVersionError } from '../errors.js';
import { appendToOneStream } from '../append-one.js';
import type {
  AppendOutcome, AppendResult, Chain, EventStore, EventToAppend, ExpectedRevision, Head, ReadAllOptions,
  ReadStreamOptions, RecordedEvent, StreamWrite, SubscribeOptions, Subscription, SubscriptionHandler, VerbatimImport,
} from '../port.js';
import { stoppable } from '../stoppable.js';
import { continuesHead } from '../verbatim.js';
import { linksByStream, planAppend, type AppendPlan, type StreamState } from './append-plan.js';
import { isStreamNotFound, toClientExpectedRevision, translateClientError } from './client-errors.js';
import {
  JOURNAL_STREAM, JOURNAL_STREAM_REGEX, JournalFormatError, LINK_EVENT_TYPE, LinkMetadata, fromJournal,
  journalMetadataOf, linkTarget, revisionOfPosition, type JournalRecord,
} from './journal.js';
import { appendBytes, chunkBySize, groupWritesBySize } from './write-groups.js';

const STREAM_CACHE_LIMIT = 10_000;

export interface EventStoreDbStoreOptions {
  /** `esdb://host:2113?tls=false`, `esdb+discover://cluster.dns:2113`, … (see the client's docs). */
  readonly connectionString: string;
  readonly chain?: Chain;
  readonly now?: () => Date;
  /** Journal appends are kept under this many bytes (the server's MaxAppendSize defaults to 1 MiB). */
  readonly maxAppendBytes?: number;
  /** How often a plan is made again when other writers keep moving the head. */
  readonly contentionRetries?: number;
}

export class EventStoreDbEventStore implements EventStore, VerbatimImport {
  readonly client: EventStoreDBClient;
  private readonly chain: Chain | undefined;
  private readonly now: () => Date;
  private readonly maxAppendBytes: number;
  private readonly contentionRetries: number;
  private readonly subscriptions = new Set<Subscription>();
  /** The head after this writer's last journal append; a stale one is caught by the server. */
  private knownHead: Head | null = null;
  private readonly streamStates = new Map<string, StreamState>();
  /** Calls in flight at once for the streams of one batch. */
  private readonly limit = pLimit(32);

  constructor(options: EventStoreDbStoreOptions) {
    this.client = EventStoreDBClient.connectionString(options.connectionString);
    this.chain = options.chain;
    this.now = options.now ?? (() => new Date());
    this.maxAppendBytes = options.maxAppendBytes ?? 900_000;
    this.contentionRetries = options.contentionRetries ?? 20;
  }

  async append(stream: string, events: readonly EventToAppend[], options: { expectedRevision?: ExpectedRevision } = {}): Promise<AppendResult> {
    return appendToOneStream(this, stream, events, options.expectedRevision);
  }

  /** Atomic up to `maxAppendBytes`; a larger call is written as several atomic groups of whole stream writes, in order. */
  async appendMany(writes: readonly StreamWrite[]): Promise<AppendResult[]> {
    const results: AppendResult[] = [];
    for (const group of groupWritesBySize(writes, this.maxAppendBytes)) results.push(...await this.appendGroup(group));
    return results;
  }

  private async appendGroup(writes: readonly StreamWrite[]): Promise<AppendResult[]> {
    for (let attempt = 0; ; attempt += 1) {
      const head = this.knownHead ?? await this.loadHead();
      const streams = await this.loadStreams([...new Set(writes.map((write) => write.stream))]);
      const plan = planAppend({ head, streams, writes, chain: this.chain, recordedAt: this.now().toISOString() });
      if (plan.entries.length === 0) return this.settle(plan);
      try {
        await this.appendToJournal(head, plan.entries);
      } catch (error) {
        // Another writer moved the head: plan again on the new one.
        if (isJournalConflict(error) && attempt < this.contentionRetries) continue;
        throw error;
      }
      for (const [stream, entries] of linksByStream(plan.entries)) this.remember(stream, extended(streams.get(stream)!, entries));
      return this.settle(plan);
    }
  }

  /** Journal appends of events as another store recorded them (see `VerbatimImport`), then their links. */
  async importRecorded(events: readonly RecordedEvent[]): Promise<void> {
    for (const chunk of chunkBySize(events, (event) => appendBytes(event.body), this.maxAppendBytes)) {
      const head = this.knownHead ?? await this.loadHead();
      continuesHead(head, chunk, this.chain);
      await this.appendToJournal(head, chunk);
    }
  }

  /**
   * Appends entries that continue `head` — refused by the server if the journal moved past it —
   * then their links. Should anything fail, the head is forgotten, so the next append loads it
   * again — and with it repairs the links — instead of planning on streams that miss them.
   */
  private async appendToJournal(head: Head, entries: readonly RecordedEvent[]): Promise<void> {
    try {
      await this.client.appendToStream(JOURNAL_STREAM, entries.map((entry) => toJournalEvent(entry, entries[0]!.position)), {
        expectedRevision: toClientExpectedRevision(head.position === 0 ? 'no-stream' : head.position - 1),
      });
      const last = entries[entries.length - 1]!;
      this.knownHead = { position: last.position, hash: last.hash };
      await this.writeLinks(entries);
    } catch (error) {
      this.knownHead = null;
      throw translateClientError(error);
    }
  }

  /** Reads the head from the server and finishes the links of the last batch (a writer may have died before). */
  private async loadHead(): Promise<Head> {
    const last = await this.readJournal({ fromRevision: END, direction: BACKWARDS, maxCount: 1 });
    if (last.length === 0) return { position: 0, hash: null };
    const tail = last[0]!;
    const batch = (await this.readJournal({ fromRevision: revisionOfPosition(tail.batchStart), maxCount: tail.event.position - tail.batchStart + 1 }))
      .map((record) => record.event);
    await this.writeLinks(batch);
    return { position: tail.event.position, hash: tail.event.hash };
  }

  private async loadStreams(streams: readonly string[]): Promise<Map<string, StreamState>> {
    return new Map(await Promise.all(streams.map((stream) => this.limit(async (): Promise<[string, StreamState]> => [stream, await this.loadStream(stream)]))));
  }

  /**
   * A stream's ids and revision. Streams only grow, so a cached state is brought up to date by
   * reading the links after its last revision — one short read for a stream nobody else wrote.
   */
  private async loadStream(stream: string): Promise<StreamState> {
    const cached = this.streamStates.get(stream) ?? { revision: -1, ids: new Map() };
    const links = await this.readLinks(stream, BigInt(cached.revision + 1));
    return this.remember(stream, extended(cached, links.map((link) => ({ id: link.id, revision: link.revision, ...link.metadata }))));
  }

  private remember(stream: string, state: StreamState): StreamState {
    this.streamStates.delete(stream);
    if (this.streamStates.size >= STREAM_CACHE_LIMIT) this.streamStates.delete(this.streamStates.keys().next().value!);
    this.streamStates.set(stream, state);
    return state;
  }

  private async readLinks(stream: string, fromRevision: bigint): Promise<{ id: string; revision: number; metadata: LinkMetadata }[]> {
    const links: { id: string; revision: number; metadata: LinkMetadata }[] = [];
    try {
      for await (const resolved of this.client.readStream(stream, { fromRevision, resolveLinkTos: false })) {
        const event = resolved.event;
        if (!event) continue;
        const metadata = LinkMetadata.safeParse(event.metadata);
        if (event.type !== LINK_EVENT_TYPE || !metadata.success) {
          throw new JournalFormatError(`stream ${stream} revision ${event.revision} is not a ledger link: only the ledger may write its streams`);
        }
        links.push({ id: event.id, revision: Number(event.revision), metadata: metadata.data });
      }
    } catch (error) {
      if (isStreamNotFound(error)) return [];
      throw translateClientError(error);
    }
    return links;
  }

  /** One append per stream, each at the exact revisions the journal gave: a repeat is a no-op. */
  private async writeLinks(entries: readonly RecordedEvent[]): Promise<void> {
    await Promise.all([...linksByStream(entries)].map(([stream, events]) => this.limit(async () => {
      const first = events[0]!;
      try {
        await this.client.appendToStream(stream, events.map(toLinkEvent), {
          expectedRevision: toClientExpectedRevision(first.revision === 0 ? 'no-stream' : first.revision - 1),
        });
      } catch (error) {
        if (isJournalConflict(translateClientError(error)) && await this.linksPresent(stream, events)) return;
        throw translateClientError(error);
      }
    })));
  }

  private async linksPresent(stream: string, events: readonly RecordedEvent[]): Promise<boolean> {
    const links = await this.readLinks(stream, BigInt(events[0]!.revision));
    const matches = events.every((event, i) => links[i]?.id === event.id && links[i]?.metadata.position === event.position);
    if (!matches) throw new JournalFormatError(`stream ${stream} disagrees with the journal from revision ${events[0]!.revision}: it was written outside the ledger`);
    return true;
  }

  private async settle(plan: AppendPlan): Promise<AppendResult[]> {
    const conflicting = plan.results.flatMap((result) => result.outcomes)
      .flatMap((outcome) => (outcome.status === 'conflict' ? [outcome.existingPosition] : []));
    const existing = new Map((await this.readPositions(conflicting)).map((event) => [event.position, event]));
    return plan.results.map((result) => ({
      ...result,
      outcomes: result.outcomes.map((outcome): AppendOutcome => {
        if (outcome.status !== 'conflict') return outcome;
        const found = existing.get(outcome.existingPosition);
        if (!found) throw new JournalFormatError(`position ${outcome.existingPosition} is linked but missing from the journal`);
        return { status: 'conflict', id: outcome.id, existing: found };
      }),
    }));
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(stream, {
        fromRevision: BigInt(options.fromRevision ?? 0), resolveLinkTos: true,
        ...(options.limit === undefined ? {} : { maxCount: options.limit }),
      })) {
        if (!resolved.event || resolved.event.streamId !== JOURNAL_STREAM) {
          throw new JournalFormatError(`stream ${stream}: a link points at nothing in the journal (the journal was truncated or deleted)`);
        }
        events.push(fromJournal(resolved.event as JournalRecord).event);
      }
    } catch (error) {
      if (isStreamNotFound(error)) return [];
      throw translateClientError(error);
    }
    return events;
  }

  /**
   * Pages through the journal. A type filter is applied here: the v6 client reads `$all` without
   * server-side filters, and the ledger filters by type only after a checkpoint (pending erasures).
   */
  async *readAll(options: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    const pageSize = 1000;
    const types = options.types && options.types.length > 0 ? new Set(options.types) : null;
    let from = options.after ?? 0;
    let remaining = options.limit ?? Number.POSITIVE_INFINITY;
    while (remaining > 0) {
      const page = await this.readJournal({ fromRevision: BigInt(from), maxCount: pageSize });
      for (const { event } of page) {
        if (types && !types.has(event.type)) continue;
        yield event;
        remaining -= 1;
        if (remaining <= 0) return;
      }
      if (page.length < pageSize) return;
      from = page[page.length - 1]!.event.position;
    }
  }

  async readPositions(positions: readonly number[]): Promise<RecordedEvent[]> {
    const sorted = [...new Set(positions)].sort((a, b) => a - b);
    const events: RecordedEvent[] = [];
    for (const run of contiguousRuns(sorted)) {
      const page = await this.readJournal({ fromRevision: revisionOfPosition(run.from), maxCount: run.count });
      events.push(...page.map((record) => record.event));
    }
    return events;
  }

  /**
   * Follows `$all` from the checkpoint, filtered on the server to the journal stream — which
   * leaves system events and other applications' streams out — and hands events over in batches
   * of what has arrived (up to `batchSize`), in position order.
   */
  subscribeAll(options: SubscribeOptions, handler: SubscriptionHandler): Subscription {
    let stream: AllStreamSubscription | undefined;
    const batchSize = options.batchSize ?? 500;
    const subscription = stoppable(async (flag) => {
      let checkpoint = options.after;
      const fromPosition: ReadPosition = checkpoint === 0 ? START : await this.allPositionOf(checkpoint);
      if (flag.stopped) return;
      stream = this.client.subscribeToAll({ fromPosition, filter: streamNameFilter({ regex: JOURNAL_STREAM_REGEX }) });
      let batch: RecordedEvent[] = [];
      try {
        for await (const resolved of stream) {
          if (flag.stopped) break;
          const raw = (resolved as ResolvedEvent).event;
          if (!raw || raw.streamId !== JOURNAL_STREAM) continue;
          const { event } = fromJournal(raw as JournalRecord);
          const expected = checkpoint + batch.length + 1;
          if (event.position < expected) continue; // the start position is inclusive on some servers
          if (event.position > expected) throw new JournalFormatError(`subscription skipped from position ${expected - 1} to ${event.position}`);
          batch.push(event);
          if (batch.length >= batchSize || stream.readableLength === 0) {
            await handler(batch);
            checkpoint = event.position;
            batch = [];
          }
        }
      } catch (error) {
        if (!flag.stopped) throw translateClientError(error);
      } finally {
        await stream?.unsubscribe().catch(() => undefined);
      }
    }, async () => {
      await stream?.unsubscribe().catch(() => undefined);
    });
    this.subscriptions.add(subscription);
    void subscription.done.catch(() => undefined).finally(() => this.subscriptions.delete(subscription));
    return subscription;
  }

  async head(): Promise<Head> {
    const [last] = await this.readJournal({ fromRevision: END, direction: BACKWARDS, maxCount: 1 });
    return last ? { position: last.event.position, hash: last.event.hash } : { position: 0, hash: null };
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.client.dispose();
  }

  /** Where journal position `position` lies in `$all` (servers from 22.6 return it on stream reads). */
  private async allPositionOf(position: number): Promise<Position> {
    const [record] = await this.readJournal({ fromRevision: revisionOfPosition(position), maxCount: 1 });
    if (!record) throw new JournalFormatError(`position ${position} is not in the journal (the checkpoint is ahead of the ledger)`);
    if (!record.allPosition) throw new Error('this EventStoreDB server does not return $all positions on stream reads: version 22.6 or later is needed');
    return record.allPosition;
  }

  private async readJournal(options: { fromRevision: bigint | typeof END; direction?: typeof BACKWARDS; maxCount: number }) {
    const records: { event: RecordedEvent; batchStart: number; allPosition: Position | undefined }[] = [];
    try {
      for await (const resolved of this.client.readStream(JOURNAL_STREAM, { ...options, resolveLinkTos: false })) {
        if (!resolved.event) continue;
        records.push({ ...fromJournal(resolved.event as JournalRecord), allPosition: resolved.event.position });
      }
    } catch (error) {
      if (isStreamNotFound(error)) return records;
      throw translateClientError(error);
    }
    return records;
  }
}

/** A stream state with these events (in revision order) added. */
function extended(state: StreamState, events: readonly { id: string; digest: string; position: number; revision: number }[]): StreamState {
  if (events.length === 0) return state;
  const ids = new Map(state.ids);
  for (const { id, digest, position, revision } of events) ids.set(id, { digest, position, revision });
  return { revision: events[events.length - 1]!.revision, ids };
}

function toJournalEvent(entry: RecordedEvent, batchStart: number) {
  return jsonEvent({ id: entry.id, type: entry.type, data: entry.body, metadata: journalMetadataOf(entry, batchStart) });
}

function toLinkEvent(entry: RecordedEvent) {
  const metadata: LinkMetadata = { position: entry.position, digest: entry.digest };
  return binaryEvent({ id: entry.id, type: LINK_EVENT_TYPE, data: Buffer.from(linkTarget(entry.position)), metadata });
}

function isJournalConflict(error: unknown): boolean {
  return error instanceof WrongExpectedVersionError;
}

function contiguousRuns(sorted: readonly number[]): { from: number; count: number }[] {
  const runs: { from: number; count: number }[] = [];
  for (const position of sorted) {
    const last = runs[runs.length - 1];
    if (last && last.from + last.count === position) last.count += 1;
    else runs.push({ from: position, count: 1 });
  }
  return runs;
}
