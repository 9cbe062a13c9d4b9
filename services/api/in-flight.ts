/**
 * What is in flight, per key and for the whole process: operations, request-body bytes and the
 * events pages may hold. The cost limit bounds one operation; these bound how many run at once —
 * six maximal reads at once from one key held the request loop for seconds, and eight 16 MB writes
 * at once took the process past a gigabyte. Beyond a bound the request is refused at once (never
 * queued: a queue of bodies is the memory this guards) with RATE_LIMITED and when to come back.
 */

export interface InFlightLimits {
  /** Operations one key may have running at once (a client's connection pool; the bench uses 20). */
  readonly operationsPerKey: number;
  /** Request-body bytes one key may have in flight: one maximal body. */
  readonly bodyBytesPerKey: number;
  /** Request-body bytes the process may hold at once, every key together. */
  readonly bodyBytes: number;
  /** Events the pages of one key's running operations may hold together. */
  readonly eventsPerKey: number;
  /** Events every running operation together may hold. */
  readonly events: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_IN_FLIGHT: InFlightLimits = {
  operationsPerKey: 32,
  bodyBytesPerKey: 16 * MiB,
  // Two maximal writes at once: each costs ~150 MB of memory while parsed, checked and sealed.
  bodyBytes: 32 * MiB,
  // Two maximal pages per key, eight in all.
  eventsPerKey: 1_000,
  events: 4_000,
};

/** Why a request was not admitted; `scope` says whether the key or the whole server is at its bound. */
export interface Refusal {
  readonly scope: 'key' | 'server';
  readonly message: string;
  readonly retryAfterSeconds: number;
}

interface Held { operations: number; bodyBytes: number; events: number }

/** One admitted request's share; released once, when its answer is finished or abandoned. */
export interface Ticket {
  /** Holds `events` more for this request's pages, or says why not. */
  takeEvents(events: number): Refusal | null;
  release(): void;
}

export class InFlight {
  private readonly byKey = new Map<string, Held>();
  private readonly total: Held = { operations: 0, bodyBytes: 0, events: 0 };

  constructor(readonly limits: InFlightLimits = DEFAULT_IN_FLIGHT) {}

  /** Admits one operation of `keyId` with a body of `bodyBytes`, or says why not. */
  admit(keyId: string, bodyBytes: number): Ticket | Refusal {
    const held = this.byKey.get(keyId) ?? { operations: 0, bodyBytes: 0, events: 0 };
    const { limits } = this;
    if (held.operations + 1 > limits.operationsPerKey) {
      return refusal('key', `this key has ${held.operations} operations running, at most ${limits.operationsPerKey} at once`);
    }
    if (bodyBytes > 0 && held.bodyBytes + bodyBytes > limits.bodyBytesPerKey) {
      return refusal('key', `this key has ${mb(held.bodyBytes)} of request bodies in flight; at most ${mb(limits.bodyBytesPerKey)} at once`);
    }
    if (bodyBytes > 0 && this.total.bodyBytes + bodyBytes > limits.bodyBytes) {
      return refusal('server', `the server holds ${mb(this.total.bodyBytes)} of request bodies; at most ${mb(limits.bodyBytes)} at once, every key together`);
    }
    // `held` stays this key's entry while any of its tickets is out: it is dropped only when its last one is released.
    const mine: Held = { operations: 1, bodyBytes, events: 0 };
    this.add(keyId, held, mine, 1);
    let released = false;
    return {
      takeEvents: (events) => {
        if (released || events <= 0) return null;
        if (held.events + events > limits.eventsPerKey) {
          return refusal('key', `this key's running operations hold pages of ${held.events} events; at most ${limits.eventsPerKey} at once (asked for ${events} more)`);
        }
        if (this.total.events + events > limits.events) {
          return refusal('server', `running operations hold pages of ${this.total.events} events; at most ${limits.events} at once, every key together`);
        }
        this.add(keyId, held, { operations: 0, bodyBytes: 0, events }, 1);
        mine.events += events;
        return null;
      },
      release: () => {
        if (released) return;
        released = true;
        this.add(keyId, held, mine, -1);
      },
    };
  }

  /** What the process holds now (metrics, tests). */
  held(): Readonly<Held> {
    return { ...this.total };
  }

  private add(keyId: string, held: Held, change: Held, sign: 1 | -1): void {
    for (const target of [held, this.total]) {
      target.operations += sign * change.operations;
      target.bodyBytes += sign * change.bodyBytes;
      target.events += sign * change.events;
    }
    if (held.operations === 0) this.byKey.delete(keyId);
    else this.byKey.set(keyId, held);
  }
}

export const isRefusal = (admitted: Ticket | Refusal): admitted is Refusal => 'scope' in admitted;

// A maximal operation takes well under a second here; a second later the bound has usually room again.
const refusal = (scope: Refusal['scope'], message: string): Refusal => ({ scope, message: `${message}; try again in 1 s`, retryAfterSeconds: 1 });

const mb = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
