/**
 * One `pdl_append_packed` call, as the client prepares it and reads its answer's row: the arrays
 * sent (each id once; the bodies, and their canonical texts where they differ, as one UTF-8 byte
 * string each, cut by byte lengths: node-postgres would otherwise escape every quote of every
 * body into an array literal, and the server unescape it), the text a
 * PostgreSQL column could not keep refused before anything is sent, and the server's refusal of
 * an expected revision turned back into the port's error.
 */
import { ValidationError } from '../../errors.js';
import { canonicalJson, sha256Hex } from '../digest.js';
import { WrongExpectedVersionError } from '../errors.js';
import type { ExpectedRevision, StreamWrite } from '../port.js';

/** The row `pdl_append` answers with (bigints as text). */
export interface AppendRow {
  o_statuses: string;
  o_positions: (string | null)[];
  o_revisions: (string | null)[];
  o_next_revisions: string[];
  o_recorded_at: string;
}

/**
 * Text PostgreSQL would store as something else: a NUL, which it refuses, or a lone surrogate,
 * which the client's UTF-8 encoder would turn into U+FFFD — a stored value other than the one hashed.
 */
const UNSTORABLE = /[\u0000\uD800-\uDFFF]/u;

export function storable(what: string, value: string): string {
  if (UNSTORABLE.test(value)) throw new ValidationError(`${what} holds a NUL or a lone surrogate, which PostgreSQL text cannot keep as given`);
  return value;
}

export interface FlatEvent {
  readonly stream: string;
  readonly id: string;
  readonly digest: string;
}

export interface PreparedCall {
  readonly streams: string[];
  readonly expected: string[];
  readonly previous: number[];
  readonly sizes: number[];
  readonly ids: string[];
  readonly types: string[];
  /** Each event's stored text (`JSON.stringify`), one after the other in UTF-8. */
  readonly bodies: Buffer;
  readonly bodyLengths: number[];
  /** Each event's canonical text where it differs from the stored one; -1 (NULL) where it is the same. */
  readonly canonical: Buffer;
  readonly canonicalLengths: number[];
  readonly digests: string[];
  readonly chained: boolean;
  /** Every event of the call in order, sent or not. */
  readonly flat: FlatEvent[];
  /** Per event of `flat`: its index among those sent, or -1 when its id came earlier in the call. */
  readonly sentIndex: number[];
}

/** The arrays of one `pdl_append_packed` call. Each id goes once; a repeat within the call is answered from the first (outcomes()). */
export function prepareCall(writes: readonly StreamWrite[], chained: boolean): PreparedCall {
  const bodies: string[] = [];
  const canonicals: string[] = [];
  const call = {
    streams: [] as string[], expected: [] as string[], previous: [] as number[], sizes: [] as number[], ids: [] as string[], types: [] as string[],
    bodyLengths: [] as number[], canonicalLengths: [] as number[], digests: [] as string[], chained, flat: [] as FlatEvent[], sentIndex: [] as number[],
  };
  const lastWriteOf = new Map<string, number>();
  const seen = new Set<string>();
  writes.forEach((write, w) => {
    call.streams.push(storable('a stream name', write.stream));
    call.expected.push(expectedText(write.expectedRevision ?? 'any'));
    call.previous.push((lastWriteOf.get(write.stream) ?? -1) + 1);
    lastWriteOf.set(write.stream, w);
    let size = 0;
    for (const event of write.events) {
      // One canonical text serves the digest (when the caller gave none) and the chain.
      const canonical = chained || event.digest === undefined ? canonicalJson(event.body) : null;
      const digest = event.digest ?? `sha256:${sha256Hex(canonical!)}`;
      call.flat.push({ stream: write.stream, id: event.id, digest });
      if (seen.has(event.id)) {
        call.sentIndex.push(-1);
        continue;
      }
      seen.add(event.id);
      call.sentIndex.push(call.ids.length);
      call.ids.push(storable('an event id', event.id));
      call.types.push(storable('an event type', event.type));
      call.digests.push(storable('a digest', digest));
      const stored = JSON.stringify(event.body);
      bodies.push(stored);
      call.bodyLengths.push(Buffer.byteLength(stored));
      if (chained && canonical !== stored) {
        canonicals.push(canonical!);
        call.canonicalLengths.push(Buffer.byteLength(canonical!));
      } else {
        call.canonicalLengths.push(-1);
      }
      size += 1;
    }
    call.sizes.push(size);
  });
  return { ...call, bodies: Buffer.from(bodies.join(''), 'utf8'), canonical: Buffer.from(canonicals.join(''), 'utf8') };
}

function expectedText(expected: ExpectedRevision): string {
  if (expected === 'any' || expected === 'no-stream') return expected;
  if (!Number.isSafeInteger(expected) || expected < 0) throw new ValidationError(`an expected revision must be a whole number, 'any' or 'no-stream', not ${String(expected)}`);
  return String(expected);
}

export function wrongExpectedVersion(error: unknown, writes: readonly StreamWrite[]): WrongExpectedVersionError {
  const detail = error instanceof Error && 'detail' in error && typeof error.detail === 'string' ? error.detail : '{}';
  const { write, actual } = JSON.parse(detail) as { write: number; actual: number };
  const failed = writes[write - 1]!;
  return new WrongExpectedVersionError(failed.stream, failed.expectedRevision ?? 'any', actual === -1 ? 'no-stream' : actual);
}
