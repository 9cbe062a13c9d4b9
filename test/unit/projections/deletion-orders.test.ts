/**
 * Where a subject's data went (data-reach), the deletion orders derived from it, and their
 * confirmations: given / when / then on the real runner, in memory.
 */
import { describe, expect, it } from 'vitest';
import { allProjections } from '../../../projections/index.js';
import { dataReach } from '../../../projections/deletion-orders/data-reach.js';
import { dueOrders, orderIdOf, type DueOrder } from '../../../projections/deletion-orders/due-orders.js';
import { readOrders } from '../../../projections/deletion-orders/order-status.js';
import { orderEvent } from '../../../services/orders/issue-orders.js';
import { anEvent } from '../../fixtures/events.js';
import { keyedSpecification, projectionSpecification } from '../../fixtures/projection-specification.js';

const subject = { id: 'u-7' };
const at = (day: number) => `2026-10-${String(day).padStart(2, '0')}T09:00:00.000Z`;
const collected = anEvent('DataCollected', { subject, occurredAt: at(1), data: {
  categories: ['contact.email', 'contact.phone'], values: { 'contact.email': 'seven@example.cn', 'contact.phone': '+8613800000007' }, retention: undefined,
} });
const cached = anEvent('DataCollected', { subject, occurredAt: at(1), data: {
  categories: ['device.identifier'], values: {}, storage: { system: 'app-cache', kind: 'app-local-cache', region: 'CN' }, retention: 'P10D',
} });
const used = anEvent('DataUsed', { subject, occurredAt: at(2) });
const toProcessor = anEvent('DataTransferredAbroad', { subject, occurredAt: at(3) });
const toAuthority = anEvent('DataShared', { subject, occurredAt: at(4) });
const erasureRequest = anEvent('SubjectRequestReceived', { subject, occurredAt: at(5), data: { requestId: 'r-9', kind: 'erasure' } });
const ordered = (order: DueOrder, issuedAt = at(5)) => ({ ...orderEvent(order, issuedAt), occurredAt: issuedAt });

describe('data reach', () => {
  it('each system and recipient with the categories it holds; a DataDeleted naming a system takes its categories off that system only', () => {
    const deleted = anEvent('DataDeleted', { subject, occurredAt: at(6), data: { categories: ['contact.email'], systems: ['user-db'] } });
    keyedSpecification(dataReach).given([collected, used, toProcessor, toAuthority]).when([deleted]).then(({ state }) => {
      expect(state('u-7', 'system', 'user-db')).toMatchObject({ held: ['contact.phone'], evidence: [collected.id], lastReachedAt: at(1) });
      expect(state('u-7', 'system', 'risk-engine')).toMatchObject({ held: ['contact.phone'], evidence: [used.id] });
      expect(state('u-7', 'recipient', 'crm-us')).toMatchObject({ held: ['contact.email'], evidence: [toProcessor.id] });
      expect(state('u-7', 'recipient', 'psb-sh')).toMatchObject({ held: ['contact.phone'], evidence: [toAuthority.id] });
    });
  });

  it('an order stays open until confirmed: a DeletionConfirmed closes it with its reference, a DataDeleted naming the system category by category', () => {
    const order = (target: DueOrder['target'], categories: string[]): DueOrder => ({
      orderId: orderIdOf('u-7', 'r-9', target), subjectId: 'u-7', target, categories, reason: 'erasure-request', cause: 'r-9', causedAt: at(5), dueBy: at(20),
    });
    const toDb = order({ kind: 'system', id: 'user-db' }, ['contact.email', 'contact.phone']);
    const toPsb = order({ kind: 'recipient', id: 'psb-sh' }, ['contact.phone']);
    const partly = anEvent('DataDeleted', { subject, occurredAt: at(6), data: { categories: ['contact.email'], systems: ['user-db'] } });
    const rest = anEvent('DataDeleted', { subject, occurredAt: at(7), actor: { kind: 'system', id: 'user-db-janitor' }, data: { categories: ['contact.phone'], systems: ['user-db'] } });
    const confirmed = anEvent('DeletionConfirmed', { subject, occurredAt: at(8), data: { orderId: toPsb.orderId, reference: 'PSB-2026-118', confirmedBy: 'psb-sh' } });
    keyedSpecification(dataReach).given([collected, toAuthority, ordered(toDb), ordered(toPsb)]).when([partly]).then(({ state }) => {
      expect(state('u-7', 'system', 'user-db')!.orders).toMatchObject([{ orderId: toDb.orderId, outstanding: ['contact.phone'], confirmedAt: null }]);
    });
    keyedSpecification(dataReach).given([collected, toAuthority, ordered(toDb), ordered(toPsb), partly]).when([rest, confirmed]).then(({ state }) => {
      expect(state('u-7', 'system', 'user-db')).toMatchObject({ held: [], orders: [{ outstanding: [], confirmedAt: at(7), confirmedBy: 'user-db-janitor', confirmations: [rest.id] }] });
      expect(state('u-7', 'recipient', 'psb-sh')).toMatchObject({
        held: [], orders: [{ confirmedAt: at(8), reference: 'PSB-2026-118', confirmedBy: 'psb-sh', confirmations: [confirmed.id] }],
      });
    });
  });

  it('a confirmation naming no order of the subject changes nothing', () => {
    const stray = anEvent('DeletionConfirmed', { subject, occurredAt: at(8), data: { orderId: 'no-such-order', reference: 'X-1', confirmedBy: 'psb-sh' } });
    keyedSpecification(dataReach).given([collected, toAuthority]).when([stray]).then(({ rows }) => {
      expect(rows.map((row) => row.state.orders)).toEqual([[], []]);
      expect(rows.map((row) => row.state.held)).toEqual([['contact.phone'], ['contact.email', 'contact.phone']]);
    });
  });
});

describe('orders due', () => {
  const history = [collected, cached, used, toProcessor, toAuthority];

  it('an erasure request: one order per target holding data, due by the request deadline (received + P15D), whenever issued', () => {
    projectionSpecification(...allProjections).given(history).when([erasureRequest]).then(({ db }) => {
      const due = dueOrders(db, '2026-12-01T00:00:00.000Z').filter((o) => o.reason === 'erasure-request');
      expect(due.map((o) => [o.target.kind, o.target.id, o.categories])).toEqual([
        ['recipient', 'crm-us', ['contact.email']], ['recipient', 'psb-sh', ['contact.phone']],
        ['system', 'app-cache', ['device.identifier']], ['system', 'risk-engine', ['contact.phone']], ['system', 'user-db', ['contact.email', 'contact.phone']],
      ]);
      expect(new Set(due.map((o) => o.dueBy))).toEqual(new Set(['2026-10-20T09:00:00.000Z']));
      expect(new Set(due.map((o) => o.cause))).toEqual(new Set(['r-9']));
    });
  });

  it('once ordered, the same cause orders nothing again; a confirmed target gets no order from a later cause', () => {
    projectionSpecification(...allProjections).given(history).when([erasureRequest]).then(({ db: first }) => {
      const due = dueOrders(first, at(6)).filter((o) => o.reason === 'erasure-request');
      const psb = due.find((o) => o.target.id === 'psb-sh')!;
      const confirmed = anEvent('DeletionConfirmed', { subject, occurredAt: at(7), data: { orderId: psb.orderId, reference: 'PSB-1', confirmedBy: 'psb-sh' } });
      const erased = anEvent('SubjectErased', { subject, occurredAt: at(8), data: { requestId: undefined } });
      projectionSpecification(...allProjections).given([...history, erasureRequest, ...due.map((o) => ordered(o))]).when([confirmed, erased]).then(({ db }) => {
        expect(dueOrders(db, at(9))).toEqual([]);
        expect(readOrders(db, at(9)).filter((o) => o.status === 'confirmed').map((o) => o.target.id)).toEqual(['psb-sh']);
      });
    });
  });

  it('a retention period ending orders its own system alone, due at the retention end, and not before it ended', () => {
    projectionSpecification(...allProjections).given(history).when([]).then(({ db }) => {
      expect(dueOrders(db, '2026-10-11T08:59:59.000Z')).toEqual([]);
      expect(dueOrders(db, '2026-10-11T09:00:00.000Z')).toEqual([{
        orderId: orderIdOf('u-7', cached.id, { kind: 'system', id: 'app-cache' }), subjectId: 'u-7', target: { kind: 'system', id: 'app-cache' },
        categories: ['device.identifier'], reason: 'retention-ended', cause: cached.id, causedAt: '2026-10-11T09:00:00.000Z', dueBy: '2026-10-11T09:00:00.000Z',
      }]);
    });
  });

  it('a shutdown orders its systems for every subject still held there, due by its deletion deadline, once it took effect', () => {
    const game = anEvent('DataCollected', { subject: { id: 'u-8' }, occurredAt: at(1), data: { storage: { system: 'minigame-db', kind: 'database', region: 'CN' }, retention: undefined } });
    const shutdown = anEvent('ServiceShutdownAnnounced', { occurredAt: at(2), data: { effectiveAt: at(10), deletionDeadline: at(25) } });
    projectionSpecification(...allProjections).given([game, collected]).when([shutdown]).then(({ db }) => {
      expect(dueOrders(db, at(9))).toEqual([]);
      expect(dueOrders(db, at(10)).map((o) => [o.subjectId, o.target.id, o.reason, o.dueBy])).toEqual([['u-8', 'minigame-db', 'shutdown', at(25)]]);
    });
  });

  it('a consent withdrawn orders the categories it was the only basis for, not those held on another basis', () => {
    const consent = anEvent('ConsentGiven', { subject, occurredAt: at(1), data: { consentId: 'c-9', purposes: ['marketing'], categories: ['behavior.click'], disclosures: undefined } });
    const clicks = anEvent('DataCollected', { subject, occurredAt: at(2), data: {
      categories: ['behavior.click'], values: {}, purposes: ['marketing'], legalBasis: 'consent', consentId: 'c-9', storage: { system: 'bi-warehouse', kind: 'database', region: 'CN' }, retention: undefined,
    } });
    const withdrawn = anEvent('ConsentWithdrawn', { subject, occurredAt: at(6), data: { consentId: 'c-9' } });
    projectionSpecification(...allProjections).given([consent, clicks, collected]).when([withdrawn]).then(({ db }) => {
      expect(dueOrders(db, at(7)).map((o) => [o.target.id, o.categories, o.reason, o.cause, o.dueBy])).toEqual([
        ['bi-warehouse', ['behavior.click'], 'consent-withdrawn', withdrawn.id, '2026-10-21T09:00:00.000Z'],
      ]);
    });
  });
});
