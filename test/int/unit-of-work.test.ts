/**
 * Keyed models hold the rows a batch changes and write each once at its end. Within the batch,
 * reads — `read`, `readPrefix`, and `existing` in keysOf — see those rows laid over the table
 * in key order, so a model read by another (consents, read by violations) is still seen exactly
 * as of the event being applied. Against a real SQLite file.
 */
import { ProjectionContext } from '../../projections/projection-context.js';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consents } from '../../projections/consents/consents.js';
import type { ProjectedEvent } from '../../projections/projection.js';
import { storedEvent } from '../../services/ledger/stored-event.js';
import type { JsonObject } from '../../services/store/port.js';
import { anEvent } from '../fixtures/events.js';
import { makeTempDir } from '../fixtures/temp-dirs.js';

let position = 0;
function projected(type: 'ConsentGiven' | 'ConsentWithdrawn', subjectId: string, data: Record<string, unknown>): ProjectedEvent {
  position += 1;
  // As the store hands it over: parsed from its stored JSON text.
  const body: JsonObject = JSON.parse(JSON.stringify(anEvent(type, { subject: { id: subjectId }, data })));
  const recordedAt = '2026-01-01T00:00:00.000Z';
  const recorded = { position, stream: `subject-${subjectId}`, revision: 0, id: String(body.id), type, recordedAt, body, digest: '', hash: null };
  return { ...recorded, event: storedEvent(recorded) };
}

const given = (subjectId: string, consentId: string) => projected('ConsentGiven', subjectId, { consentId, purposes: ['marketing'] });

/** A read-model database in the context the runner would hand the model. */
function freshDb(): ProjectionContext {
  const db = new Database(join(makeTempDir('unit-of-work'), 'read-models.db'));
  db.exec(consents.schema);
  return new ProjectionContext(db);
}

const stored = (context: ProjectionContext) => context.db.prepare('SELECT subject_id, consent_id, state FROM rm_consents ORDER BY subject_id, consent_id').all();
const ids = (context: ProjectionContext, subjectId: string) => consents.readPrefix(context, [subjectId]).map((row) => row.key[1]);

describe('a keyed model within a batch', () => {
  it('reads rows changed in the batch laid over the stored ones, in key order, and writes them at commit', () => {
    const db = freshDb();
    consents.apply(db, given('s-1', 'c-b'));
    consents.apply(db, given('s-2', 'c-z'));
    const before = stored(db);

    consents.batch!.begin(db);
    consents.apply(db, given('s-1', 'c-c'));
    consents.apply(db, given('s-1', 'c-a'));
    expect(ids(db, 's-1')).toEqual(['c-a', 'c-b', 'c-c']);
    expect(ids(db, 's-2')).toEqual(['c-z']);
    expect(consents.read(db, ['s-1', 'c-a'])?.consentId).toBe('c-a');
    // keysOf's `existing`: a withdrawal without a consent id reaches every consent of the subject, those of this batch too.
    consents.apply(db, projected('ConsentWithdrawn', 's-1', { consentId: undefined, purposes: ['marketing'] }));
    expect(consents.readPrefix(db, ['s-1']).map((row) => row.state.withdrawals.length)).toEqual([1, 1, 1]);
    expect(stored(db)).toEqual(before);
    consents.batch!.commit(db);
    consents.batch!.abandon(db);

    expect(ids(db, 's-1')).toEqual(['c-a', 'c-b', 'c-c']);
    expect(consents.readPrefix(db, ['s-1']).map((row) => row.state.withdrawals.length)).toEqual([1, 1, 1]);
  });

  it('ends with the same table as applying every event at once, and an abandoned batch leaves it untouched', () => {
    const events = [given('s-1', 'c-1'), given('s-3', 'c-1'), given('s-1', 'c-0'), projected('ConsentWithdrawn', 's-1', { consentId: 'c-1' }), given('s-1', 'c-1')];
    const direct = freshDb();
    for (const event of events) consents.apply(direct, event);
    const batched = freshDb();
    consents.batch!.begin(batched);
    for (const event of events) consents.apply(batched, event);
    consents.batch!.commit(batched);
    expect(stored(batched)).toEqual(stored(direct));

    const abandoned = freshDb();
    consents.batch!.begin(abandoned);
    for (const event of events) consents.apply(abandoned, event);
    consents.batch!.abandon(abandoned);
    expect(stored(abandoned)).toEqual([]);
    expect(consents.readPrefix(abandoned, ['s-1'])).toEqual([]);
  });
});
