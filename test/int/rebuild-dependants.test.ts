/**
 * A model that reads others (violations reads consents, transfers, policies…) is never replayed
 * alone: when its version changes, what it reads is rebuilt with it, so each act is judged again
 * against the models as they stood then — the same verdicts as when it was recorded.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allProjections } from '../../projections/index.js';
import { withWhatTheyRead } from '../../projections/runner.js';
import { openLedger } from '../../services/composition/open-ledger.js';
import { anEvent } from '../fixtures/events.js';
import { tempLedger } from '../fixtures/temp-ledger.js';

const S = { id: 'u-1' };

describe('rebuilding a model that reads others', () => {
  it('knows what each model reads, transitively', () => {
    expect([...withWhatTheyRead(allProjections, ['violations'])].sort()).toEqual(['consents', 'impact-assessments', 'legal-requests', 'policies', 'transfers', 'violations']);
    expect([...withWhatTheyRead(allProjections, ['consents'])]).toEqual(['consents']);
  });

  it('a verdict given when the act was recorded stands after the violations model is rebuilt for a new version', async () => {
    const opened = await tempLedger();
    // Stored in the US on 1 June; a transfer dated 31 May is recorded only afterwards (a backfill).
    const stored = anEvent('DataCollected', { subject: S, occurredAt: '2026-06-01T00:00:00Z', data: {
      categories: ['device.info'], values: undefined, source: 'automatic', method: 'sdk', purposes: ['service-security'], legalBasis: 'legitimate-interest',
      storage: { system: 'crash-reports', kind: 'database', region: 'US' } } });
    const backfilled = anEvent('DataTransferredAbroad', { subject: S, occurredAt: '2026-05-31T00:00:00Z', data: { categories: ['device.info'], consentId: undefined } });
    await opened.ledger.record([stored]);
    await opened.readModelsClock.reach((await opened.ledger.record([backfilled])).position!);
    const verdicts = (db: Database.Database) => db.prepare<[], { rule: string; event_ids: string }>("SELECT rule, event_ids FROM rm_violations WHERE rule = 'storage-region'").all();
    const before = verdicts(opened.readModelsDb);
    expect(before).toHaveLength(1);
    // A new version of the violations model: its checkpoint says another version.
    opened.readModelsDb.prepare("UPDATE rm_checkpoints SET version = version + 100 WHERE name = 'violations'").run();
    await opened.close();
    const reopened = await openLedger({ db: join(opened.dir, 'ledger.db'), env: {} });
    try {
      // Replayed alone it would read the transfers table as it stands now and find the backfill: no verdict.
      expect(verdicts(reopened.readModelsDb)).toEqual(before);
    } finally {
      await reopened.close();
    }
  });
});
