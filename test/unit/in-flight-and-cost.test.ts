/** The bounds on what is in flight (services/api/in-flight.ts) and an operation's cost with page sizes however given (operation-cost.ts). */
import { buildSchema, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { InFlight, isRefusal, type Ticket } from '../../services/api/in-flight.js';
import { operationCost } from '../../services/api/operation-cost.js';
import { typeDefs } from '../../services/api/schema/type-defs.js';

const limits = { operationsPerKey: 3, bodyBytesPerKey: 100, bodyBytes: 150, eventsPerKey: 1_000, events: 1_500 };
const ticket = (admitted: ReturnType<InFlight['admit']>): Ticket => {
  if (isRefusal(admitted)) throw new Error(admitted.message);
  return admitted;
};

describe('in flight', () => {
  it('per key: operations at once, body bytes and page events; refusals say when to come back; release gives back', () => {
    const inFlight = new InFlight(limits);
    const a = ticket(inFlight.admit('k', 60));
    expect(inFlight.admit('k', 60)).toMatchObject({ scope: 'key', retryAfterSeconds: 1, message: expect.stringMatching(/request bodies/) });
    const b = ticket(inFlight.admit('k', 0));
    expect(a.takeEvents(500)).toBeNull();
    expect(b.takeEvents(500)).toBeNull();
    const c = ticket(inFlight.admit('k', 0));
    expect(c.takeEvents(500)).toMatchObject({ scope: 'key', message: expect.stringMatching(/at most 1000 at once/) });
    expect(inFlight.admit('k', 0)).toMatchObject({ scope: 'key', message: expect.stringMatching(/at most 3 at once/) });
    a.release();
    a.release();
    expect(c.takeEvents(500)).toBeNull();
    b.release();
    c.release();
    expect(inFlight.held()).toEqual({ operations: 0, bodyBytes: 0, events: 0 });
  });

  it('for the process: body bytes and events of every key together', () => {
    const inFlight = new InFlight(limits);
    ticket(inFlight.admit('a', 100));
    expect(inFlight.admit('b', 60)).toMatchObject({ scope: 'server', message: expect.stringMatching(/every key together/) });
    const b = ticket(inFlight.admit('b', 50));
    expect(b.takeEvents(1_000)).toBeNull();
    expect(ticket(inFlight.admit('c', 0)).takeEvents(600)).toMatchObject({ scope: 'server' });
  });
});

describe('operation cost', () => {
  const schema = buildSchema(typeDefs);
  const cost = (query: string, variables?: Record<string, unknown>, operationName?: string) => operationCost(schema, parse(query), operationName, variables);

  it('a page size counts as a literal, a variable, a variable\'s default or the schema\'s default', () => {
    const page = 'edges { node { id } }';
    expect(cost(`{ events(first: 500) { ${page} } }`).items).toBe(500);
    expect(cost(`query($n: Int) { events(first: $n) { ${page} } }`, { n: 500 }).items).toBe(500);
    expect(cost(`query($n: Int = 400) { events(first: $n) { ${page} } }`).items).toBe(400);
    expect(cost(`query($n: Int) { events(first: $n) { ${page} } }`, {}).items).toBe(50);
    expect(cost(`{ events { ${page} } }`).items).toBe(50);
    expect(cost('{ subjectRequests { requestId } }').items).toBe(100);
    // Each field once per item: events, edges, and node and id 500 times each.
    expect(cost(`{ events(first: 500) { ${page} } }`).cost).toBe(1 + 1 + 500 * 2);
  });

  it('aliases and fragments add up; nested fragments spread twice over stay cheap to cost', () => {
    expect(cost(`query($n: Int) { a: events(first: $n) { ...P } b: events(first: $n) { ...P } } fragment P on EventConnection { edges { node { id } } }`, { n: 300 }).items).toBe(600);
    const levels = 60;
    const fragments = Array.from({ length: levels }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join(' ');
    const started = performance.now();
    const { cost: total } = cost(`{ ...F0 } ${fragments} fragment F${levels} on Query { ledgerHead { position } }`);
    expect(total).toBeGreaterThan(1e15);
    expect(performance.now() - started).toBeLessThan(200);
  });
});
