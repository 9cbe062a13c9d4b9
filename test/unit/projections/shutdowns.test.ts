/** Service shutdowns, and the notices that went out — about them and about anything else. */
import { describe, expect, it } from 'vitest';
import { notices, shutdowns } from '../../../projections/shutdowns/shutdowns.js';
import { anEvent } from '../../fixtures/events.js';
import { keyedSpecification, projectionSpecification } from '../../fixtures/projection-specification.js';

describe('shutdowns', () => {
  it('an announcement: its systems, when it takes effect and the deletion deadline; announced again, the later one stands', () => {
    const first = anEvent('ServiceShutdownAnnounced', { occurredAt: '2026-05-20T00:00:00Z' });
    const again = anEvent('ServiceShutdownAnnounced', { occurredAt: '2026-05-25T00:00:00Z', data: {
      systems: ['minigame-db', 'minigame-cache'], effectiveAt: '2026-06-30T00:00:00+08:00', deletionDeadline: '2026-07-30T00:00:00Z' } });
    keyedSpecification(shutdowns).given([first]).when([again]).then(({ rows }) => {
      expect(rows).toEqual([{ key: ['mini-game'], state: {
        lastPosition: 2, systems: ['minigame-cache', 'minigame-db'], announcedAt: '2026-05-25T00:00:00.000Z', effectiveAt: '2026-06-29T16:00:00.000Z',
        deletionDeadline: '2026-07-30T00:00:00.000Z', eventId: again.id,
      } }]);
    });
  });

  it('notices: one row per SubjectNotified, with its topic and service — to one person or to everyone', () => {
    const toOne = anEvent('SubjectNotified', { subject: { id: 'u-1' }, occurredAt: '2026-05-21T00:00:00Z', data: { service: 'mini-game' } });
    // Without a subject: an announcement to everybody.
    const { subject: _, ...toAll } = anEvent('SubjectNotified', { occurredAt: '2026-05-22T00:00:00Z', data: { topic: 'policy-change' } });
    projectionSpecification(notices).given([anEvent('ServiceShutdownAnnounced')]).when([toOne, toAll]).then(({ db }) => {
      expect(db.prepare('SELECT position, event_id, subject_id, service, topic, channel, occurred_at FROM rm_notices ORDER BY position').all()).toEqual([
        { position: 2, event_id: toOne.id, subject_id: 'u-1', service: 'mini-game', topic: 'service-shutdown', channel: 'push', occurred_at: '2026-05-21T00:00:00.000Z' },
        { position: 3, event_id: toAll.id, subject_id: null, service: null, topic: 'policy-change', channel: 'push', occurred_at: '2026-05-22T00:00:00.000Z' },
      ]);
    });
  });
});
