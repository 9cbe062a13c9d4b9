/**
 * The EventStoreDB adapter's logic that needs no server: planning an append on a known head,
 * reading journal events back, translating the client's errors (real client error objects),
 * and splitting large appends. What needs a server is in test/contract/eventstoredb-event-store.test.ts.
 */
import {
  DeadlineExceededError, NO_STREAM, StreamNotFoundError, UnavailableError as ClientUnavailableError,
  WrongExpectedVersionError as ClientWrongExpectedVersionError,
} from '@eventstore/db-client';
import { describe, expect, it } from 'vitest';
import { sha256Chain } from '../../services/ledger/chain.js';
import { linkHash } from '../fixtures/chain-reference.js';
import { UnavailableError } from '../../services/errors.js';
import { WrongExpectedVersionError } from '../../services/store/errors.js';
import { planAppend, linksByStream, type StreamState } from '../../services/store/eventstoredb/append-plan.js';
import { isStreamNotFound, toClientExpectedRevision, translateClientError } from '../../services/store/eventstoredb/client-errors.js';
import {
  JOURNAL_STREAM, JournalFormatError, fromJournal, journalMetadataOf, linkTarget,
} from '../../services/store/eventstoredb/journal.js';
import { groupWritesBySize } from '../../services/store/eventstoredb/write-groups.js';
import type { EventToAppend, Head } from '../../services/store/port.js';

const RECORDED_AT = '2026-11-29T10:00:00.000Z';
const event = (id: string, extra: Record<string, string> = {}): EventToAppend => ({ id, type: 'Thing', body: { id, type: 'Thing', ...extra } });
const empty: Head = { position: 0, hash: null };
const noStreams = new Map<string, StreamState>();

describe('planning an EventStoreDB append', () => {
  it('numbers new events after the head and chains them onto its hash', () => {
    const head: Head = { position: 41, hash: 'ab'.repeat(32) };
    const streams = new Map<string, StreamState>([['subject-a', { revision: 4, ids: new Map() }]]);
    const plan = planAppend({
      head, streams, chain: sha256Chain, recordedAt: RECORDED_AT,
      writes: [{ stream: 'subject-a', events: [event('e1'), event('e2')] }, { stream: 'subject-b', events: [event('e3')] }],
    });
    expect(plan.entries.map((e) => [e.position, e.stream, e.revision])).toEqual([[42, 'subject-a', 5], [43, 'subject-a', 6], [44, 'subject-b', 0]]);
    expect(plan.entries[0]!.hash).toBe(linkHash(head.hash, plan.entries[0]!));
    expect(plan.entries[1]!.hash).toBe(linkHash(plan.entries[0]!.hash, plan.entries[1]!));
    expect(plan.results.map((r) => r.nextExpectedRevision)).toEqual([6, 0]);
  });

  it('answers a known id with the same content as a duplicate at its original place, and writes nothing', () => {
    const original = event('e1');
    const streams = new Map<string, StreamState>([
      ['subject-a', { revision: 0, ids: new Map([['e1', { digest: planAppend({ head: empty, streams: noStreams, writes: [{ stream: 'subject-a', events: [original] }], recordedAt: RECORDED_AT }).entries[0]!.digest, position: 7, revision: 0 }]]) }],
    ]);
    const plan = planAppend({ head: { position: 9, hash: null }, streams, recordedAt: RECORDED_AT, writes: [{ stream: 'subject-a', events: [original], expectedRevision: 'no-stream' }] });
    expect(plan.entries).toEqual([]);
    expect(plan.results[0]!.outcomes).toEqual([{ status: 'duplicate', id: 'e1', position: 7, revision: 0 }]);
  });

  it('reports a known id with other content, or in another stream, as a conflict naming the original position', () => {
    const streams = new Map<string, StreamState>([['subject-a', { revision: 0, ids: new Map([['e1', { digest: 'd-1', position: 3, revision: 0 }]]) }]]);
    const plan = planAppend({
      head: { position: 3, hash: null }, streams, recordedAt: RECORDED_AT,
      writes: [
        { stream: 'subject-a', events: [{ ...event('e1'), digest: 'd-2' }, event('e2')] },
        { stream: 'subject-b', events: [{ ...event('e1'), digest: 'd-1' }] },
      ],
    });
    expect(plan.results.map((r) => r.outcomes.map((o) => o.status))).toEqual([['conflict', 'appended'], ['conflict']]);
    expect(plan.results[0]!.outcomes[0]).toEqual({ status: 'conflict', id: 'e1', existingPosition: 3 });
    expect(plan.entries.map((e) => e.id)).toEqual(['e2']);
  });

  it('treats the same id twice in one batch as one event and a duplicate of it', () => {
    const plan = planAppend({
      head: empty, streams: noStreams, recordedAt: RECORDED_AT,
      writes: [{ stream: 'subject-a', events: [event('e1'), event('e1')] }, { stream: 'subject-b', events: [event('e1')] }],
    });
    expect(plan.entries).toHaveLength(1);
    expect(plan.results.flatMap((r) => r.outcomes)).toEqual([
      { status: 'appended', id: 'e1', position: 1, revision: 0 },
      { status: 'duplicate', id: 'e1', position: 1, revision: 0 },
      { status: 'conflict', id: 'e1', existingPosition: 1 },
    ]);
  });

  it('refuses the whole plan when one expected revision is wrong, and not for a pure retry', () => {
    const streams = new Map<string, StreamState>([['subject-a', { revision: 2, ids: new Map([['e1', { digest: 'x', position: 1, revision: 0 }]]) }]]);
    expect(() => planAppend({
      head: { position: 3, hash: null }, streams, recordedAt: RECORDED_AT,
      writes: [{ stream: 'subject-b', events: [event('e9')] }, { stream: 'subject-a', events: [event('e4')], expectedRevision: 1 }],
    })).toThrow(WrongExpectedVersionError);
    expect(() => planAppend({ head: { position: 3, hash: null }, streams, recordedAt: RECORDED_AT, writes: [{ stream: 'subject-a', events: [event('e4')], expectedRevision: 'no-stream' }] }))
      .toThrow(expect.objectContaining({ stream: 'subject-a', actual: 2 }));
    const retry = planAppend({ head: { position: 3, hash: null }, streams, recordedAt: RECORDED_AT, writes: [{ stream: 'subject-a', events: [{ ...event('e1'), digest: 'x' }], expectedRevision: 'no-stream' }] });
    expect(retry.results[0]!.outcomes[0]!.status).toBe('duplicate');
  });

  it('groups links per stream in revision order, one server append each', () => {
    const plan = planAppend({
      head: empty, streams: noStreams, recordedAt: RECORDED_AT,
      writes: [{ stream: 'subject-a', events: [event('e1')] }, { stream: 'subject-b', events: [event('e2')] }, { stream: 'subject-a', events: [event('e3')] }],
    });
    const links = linksByStream(plan.entries);
    expect([...links].map(([stream, entries]) => [stream, entries.map((e) => e.revision)])).toEqual([['subject-a', [0, 1]], ['subject-b', [0]]]);
    expect(linkTarget(3)).toBe(`2@${JOURNAL_STREAM}`);
  });
});

describe('reading the journal back', () => {
  const planned = planAppend({ head: empty, streams: noStreams, chain: sha256Chain, recordedAt: RECORDED_AT, writes: [{ stream: 'subject-a', events: [event('e1', { n: '1' })] }] }).entries[0]!;

  it('gives back exactly the event that was planned, position from the journal revision', () => {
    const record = { streamId: JOURNAL_STREAM, id: 'e1', type: 'Thing', revision: 0n, data: planned.body, metadata: journalMetadataOf(planned, 1) };
    expect(fromJournal(record)).toEqual({ event: planned, batchStart: 1 });
  });

  it('refuses what the ledger did not write, saying why', () => {
    const good = { streamId: JOURNAL_STREAM, id: 'e1', type: 'Thing', revision: 0n, data: planned.body, metadata: journalMetadataOf(planned, 1) };
    expect(() => fromJournal({ ...good, streamId: 'subject-a' })).toThrow(JournalFormatError);
    expect(() => fromJournal({ ...good, metadata: { stream: 'subject-a' } })).toThrow(/metadata is not the ledger's/);
    expect(() => fromJournal({ ...good, data: 'text' })).toThrow(/not a JSON object/);
  });
});

describe("translating the client's errors", () => {
  it('maps expected revisions both ways', () => {
    expect(toClientExpectedRevision('no-stream')).toBe(NO_STREAM);
    expect(toClientExpectedRevision('any')).toBe('any');
    expect(toClientExpectedRevision(4)).toBe(4n);
  });

  it("turns a revision conflict into the port's, with stream and revisions", () => {
    const translated = translateClientError(new ClientWrongExpectedVersionError(undefined, { streamName: 'subject-a', expected: 1n, current: 2n }));
    expect(translated).toBeInstanceOf(WrongExpectedVersionError);
    expect(translated).toMatchObject({ code: 'CONFLICT', stream: 'subject-a', expected: 1, actual: 2 });
    expect(translateClientError(new ClientWrongExpectedVersionError(undefined, { streamName: 's', expected: 0n, current: NO_STREAM })))
      .toMatchObject({ actual: 'no-stream' });
  });

  it('marks an unreachable server or a lost leader as retryable, and leaves other errors as they are', () => {
    const unavailable = new ClientUnavailableError();
    expect(translateClientError(unavailable)).toBeInstanceOf(UnavailableError);
    expect(translateClientError(new DeadlineExceededError())).toBeInstanceOf(UnavailableError);
    const other = new Error('disk full');
    expect(translateClientError(other)).toBe(other);
    expect(isStreamNotFound(new StreamNotFoundError(undefined, 'subject-a'))).toBe(true);
    expect(isStreamNotFound(other)).toBe(false);
  });
});

describe('splitting appends under the server limit', () => {
  it('keeps each stream write whole and each group under the limit', () => {
    const big = (id: string) => ({ id, type: 'Thing', body: { id, pad: 'x'.repeat(400) } });
    const writes = Array.from({ length: 10 }, (_, i) => ({ stream: `subject-${i}`, events: [big(`a${i}`), big(`b${i}`)] }));
    const groups = groupWritesBySize(writes, 4000);
    expect(groups.flat()).toEqual(writes);
    expect(groups.length).toBeGreaterThan(1);
    expect(groups.every((group) => group.length >= 1)).toBe(true);
    expect(groupWritesBySize(writes, 10_000_000)).toHaveLength(1);
  });
});
