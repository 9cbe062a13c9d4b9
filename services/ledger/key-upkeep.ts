/**
 * The key store's upkeep: a projection of the log into the key store, under the read models'
 * contract (projections/runner.ts) — a position, a catch-up from it to the head at open, a
 * rebuild from the log. It keeps erasures and deletions applied (their keys destroyed) and
 * identifiers indexed (the blind index follows each subject's current e-mails and phones).
 *
 * Two parts, each with its position in the key store: `erasures` reads only SubjectErased and
 * DataDeleted, so its catch-up is a short read; `index` reads every event, as identifiers may
 * come with any. A writer hands over what it has just appended (`apply`); the positions move over
 * its own appends only as far as they follow on without a gap, so whatever lies between them
 * and the head — a crash between the append and this step, another writer's events in between —
 * is carried at the next open, and nothing is ever skipped.
 */
import type { EventType, LedgerEvent } from '../../schemas/event.js';
import { IDENTIFIER_KIND_OF, normaliseIdentifier } from '../../schemas/identifiers.js';
import type { EventStore, RecordedEvent } from '../store/port.js';
import type { Deletion, IndexEntry, KeyStore, UpkeepPosition, UpkeepStep } from './keys/key-store.js';
import { openAll } from './sealing.js';
import type { OpenedEvent, SealedEvent } from './stored-event.js';

/**
 * How long the positions may lag the log. A batch that brings no new index entry, erasure or
 * deletion then needs no key-store write at all (each costs several fsyncs in its rollback
 * journal); a crash leaves them at most this far behind, and the catch-up at open covers the gap.
 */
export const CHECKPOINT_INTERVAL_MS = 1_000;
/** Events per key-store transaction while catching up. */
const PAGE = 1000;

/** An event as the upkeep takes it: where it is in the log, and its values opened. */
export interface UpkeepEvent {
  readonly position: number;
  /**
   * When the log recorded it; for an event just appended, the moment after the append. A
   * deletion destroys only keys older than this: never one made for what came after it.
   */
  readonly recordedAt: string;
  readonly event: OpenedEvent;
  /**
   * False: a retry of an event appended before, as the log holds it (its values opened now, its
   * recordedAt the first append's). Its deletion and rectification were carried then, or are by
   * the catch-up; its identifiers and its erasure are carried again, as that first append may
   * have stopped before this step — with another writer, the next open may be far off.
   */
  readonly appended: boolean;
}

export type { UpkeepStep } from './keys/key-store.js';

type Part = keyof UpkeepPosition;
const PART_OF: Readonly<Record<UpkeepStep['step'], Part>> = { index: 'index', replace: 'index', erase: 'erasures', delete: 'erasures' };
/** The event types each part reads from the log; null: every type. */
export const HANDLED_TYPES: Readonly<Record<Part, readonly EventType[] | null>> = { erasures: ['SubjectErased', 'DataDeleted'], index: null };

/**
 * An event's steps, in the order they apply: a rectification first takes back the e-mails or
 * phones it replaces, then its own are indexed; an erasure or a deletion comes last.
 */
export function stepsOf({ event, appended, recordedAt }: UpkeepEvent): UpkeepStep[] {
  const steps: UpkeepStep[] = [];
  if (appended && event.type === 'DataRectified') {
    for (const category of Object.keys(event.data.values ?? {})) {
      const kind = IDENTIFIER_KIND_OF.get(category);
      if (kind) steps.push({ step: 'replace', subjectId: event.subject.id, kind });
    }
  }
  for (const entry of identifiersOf(event)) steps.push({ step: 'index', entry });
  if (event.type === 'SubjectErased') steps.push({ step: 'erase', subjectId: event.subject.id, eventId: event.id });
  if (event.type === 'DataDeleted' && appended) steps.push({ step: 'delete', deletion: deletionOf(event, recordedAt) });
  return steps;
}

/**
 * Look-up identifiers for the blind index: those named in `subject`, and collected or rectified
 * e-mails and phones. Values read back from the log are null where their key is destroyed:
 * nothing to index.
 */
export function identifiersOf(event: OpenedEvent): IndexEntry[] {
  if (!event.subject) return [];
  const subjectId = event.subject.id;
  const found: IndexEntry[] = (event.subject.identifiers ?? [])
    .flatMap(({ kind, value }): IndexEntry[] => (value === null ? [] : [{ subjectId, kind, value, source: 'identifier' }]));
  if ((event.type === 'DataCollected' || event.type === 'DataRectified') && event.data.values) {
    const values: Partial<Record<string, string | null>> = event.data.values;
    for (const [category, kind] of IDENTIFIER_KIND_OF) {
      const value = values[category];
      const normalised = typeof value === 'string' ? normaliseIdentifier(kind, value) : null;
      if (normalised !== null) found.push({ subjectId, kind, value: normalised, source: 'value' });
    }
  }
  return found;
}

/** What a DataDeleted asks of the key store: its categories, everywhere or in the systems named. */
function deletionOf(event: Extract<LedgerEvent, { type: 'DataDeleted' }> | Extract<SealedEvent | OpenedEvent, { type: 'DataDeleted' }>, recordedAt: string): Deletion {
  return {
    subjectId: event.subject.id, categories: event.data.categories, eventId: event.id, recordedAt,
    ...(event.data.systems ? { systems: event.data.systems } : {}),
  };
}

export class KeyUpkeep {
  /** Positions appended since the positions were last saved. */
  private unsaved: number[] = [];
  private savedAt = 0;

  constructor(private readonly keys: KeyStore) {}

  /**
   * What a writer has just appended (or found appended before), in log order: carried in one
   * key-store call — or in none, when nothing of it is new and the positions may wait.
   */
  async apply(events: readonly UpkeepEvent[]): Promise<void> {
    for (const { position, appended } of events) if (appended) this.unsaved.push(position);
    let steps = events.flatMap(stepsOf);
    // With a rectification in the batch every entry is written, in order: one that memory calls
    // indexed may be one the rectification takes back before the batch names it again.
    if (!steps.some((s) => s.step === 'replace')) {
      const entries = steps.flatMap((s) => (s.step === 'index' ? [s.entry] : []));
      const unknown = new Set(await this.keys.notIndexed(entries));
      if (unknown.size < entries.length) steps = steps.filter((s) => s.step !== 'index' || unknown.has(s.entry));
    }
    const due = Date.now() - this.savedAt >= CHECKPOINT_INTERVAL_MS;
    if (steps.length === 0 && !due) return;
    await this.save(steps);
  }

  /** Saves the positions over every event appended since they were last saved (call before closing). */
  async flush(): Promise<void> {
    if (this.unsaved.length > 0) await this.save([]);
  }

  /** The steps, and the positions moved over the appends they follow on from, in one call; on failure the appends stay unsaved. */
  private async save(steps: readonly UpkeepStep[]): Promise<void> {
    const appended = this.unsaved;
    this.unsaved = [];
    try {
      await this.keys.applyUpkeep(steps, { appended });
      this.savedAt = Date.now();
    } catch (error) {
      this.unsaved = [...appended, ...this.unsaved];
      throw error;
    }
  }

  /**
   * Carries every event between each part's position and the head of the log, then moves both
   * to the head. A store from before the index kept a position was indexed as it was written:
   * its index position starts at the head.
   */
  async catchUp(store: EventStore): Promise<{ erasures: number; indexed: number }> {
    const { position: head } = await store.head();
    const at = await this.keys.upkeepPosition();
    const erasures = await this.carry(store, 'erasures', at.erasures, head);
    if (at.index === null) {
      await this.keys.applyUpkeep([], { part: 'index', through: head });
      return { erasures, indexed: 0 };
    }
    return { erasures, indexed: await this.carry(store, 'index', at.index, head) };
  }

  /**
   * Drops the blind index and indexes the log again from position 0. Erasures and deletions are
   * not replayed: the keys they destroyed stay destroyed (their values open as null and index
   * nothing), and replaying one would destroy keys made since for what came after it.
   */
  async rebuild(store: EventStore, onProgress?: (position: number) => void): Promise<number> {
    const { position: head } = await store.head();
    await this.keys.resetIndex();
    return this.carry(store, 'index', 0, head, onProgress);
  }

  /** One part's steps of the events after `after` up to `head`, a page per key-store call, the part's position moved with each. */
  private async carry(store: EventStore, part: Part, after: number, head: number, onProgress?: (position: number) => void): Promise<number> {
    let carried = 0;
    let page: RecordedEvent[] = [];
    const flush = async () => {
      const opened = await openAll(page, this.keys);
      const steps = page.flatMap((recorded, i) => stepsOf({ position: recorded.position, recordedAt: recorded.recordedAt, event: opened[i]!.event, appended: true })
        .filter((s) => PART_OF[s.step] === part));
      const last = page[page.length - 1]!.position;
      await this.keys.applyUpkeep(steps, { part, through: last });
      carried += page.length;
      onProgress?.(last);
      page = [];
    };
    const types = HANDLED_TYPES[part];
    for await (const recorded of store.readAll({ after, ...(types ? { types } : {}) })) {
      if (recorded.position > head) break;
      page.push(recorded);
      if (page.length >= PAGE) await flush();
    }
    if (page.length > 0) await flush();
    await this.keys.applyUpkeep([], { part, through: head });
    return carried;
  }
}
