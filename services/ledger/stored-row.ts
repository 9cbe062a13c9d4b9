/**
 * A stored row read for verification: each field checked for the type the ledger wrote, the body
 * decoded, and the leaf the chain hashes made — or what is wrong with the row, in words that name
 * no stored value (a body may hold identifiers, and a report ends up in logs).
 */
import { BodyDecodeError, decodeBody } from '../store/body-codec.js';
import type { StoredRow } from '../store/port.js';
import { chainedLeaf } from './chain.js';

export interface ReadableRow {
  readonly position: number;
  readonly id: string;
  readonly type: string;
  readonly hash: string;
  readonly recordedAt: string;
  /** The id and type the body itself says (its index columns must agree). */
  readonly bodyId: unknown;
  readonly bodyType: unknown;
  /** The canonical JSON the chain and the Merkle tree hash for this position. */
  readonly leaf: string;
}

export type RowReading = { readonly ok: true; readonly row: ReadableRow } | { readonly ok: false; readonly problem: string };

const isText = (value: unknown): value is string => typeof value === 'string';
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const HASH = /^[0-9a-f]{64}$/;

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'missing (NULL)';
  if (Buffer.isBuffer(value)) return 'binary, not text';
  return `a ${typeof value}`;
}

/** Decodes a stored body: a JSON object, whether stored as text, by the body codec, or handed over decoded. */
function bodyOf(stored: unknown): { ok: true; body: object } | { ok: false; problem: string } {
  let body: unknown = stored;
  let text: string | undefined;
  if (Buffer.isBuffer(stored)) {
    try {
      text = decodeBody(stored);
    } catch (error) {
      if (error instanceof BodyDecodeError) return { ok: false, problem: error.message };
      throw error;
    }
  } else if (isText(stored)) {
    text = stored;
  }
  if (text !== undefined) {
    try {
      body = JSON.parse(text);
    } catch {
      // The parser's message quotes the text around the fault: it is not repeated.
      return { ok: false, problem: 'its body is not valid JSON' };
    }
  } else if (stored === null || stored === undefined) {
    return { ok: false, problem: `its body is ${kindOf(stored)}` };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, problem: `its body is not a JSON object (it is ${Array.isArray(body) ? 'an array' : body === null ? 'null' : `a ${typeof body}`})` };
  }
  return { ok: true, body };
}

export function readStoredRow(stored: StoredRow): RowReading {
  const fail = (problem: string): RowReading => ({ ok: false, problem });
  const notText = (name: string, value: unknown) => fail(`its ${name} is ${kindOf(value)}, not text`);
  const { position, stream, revision, id, type, recordedAt, hash } = stored;
  if (!isCount(position)) return fail(`its position is ${kindOf(position)}, not a whole number`);
  if (!isText(stream)) return notText('stream', stream);
  if (!isCount(revision)) return fail(`its revision is ${kindOf(revision)}, not a whole number`);
  if (!isText(id)) return notText('id', id);
  if (!isText(type)) return notText('type', type);
  if (!isText(recordedAt)) return notText('recorded_at', recordedAt);
  if (hash === null || hash === undefined) return fail('it has no stored hash');
  if (!isText(hash) || !HASH.test(hash)) return fail(`its stored hash is ${isText(hash) ? 'not 64 hexadecimal digits' : kindOf(hash)}`);
  const decoded = bodyOf(stored.body);
  if (!decoded.ok) return decoded;
  const { body } = decoded;
  let leaf: string;
  try {
    leaf = chainedLeaf({ position, stream, revision, recordedAt, body });
  } catch {
    return fail('its body has no canonical JSON form (a number out of range, or nested too deep)');
  }
  return {
    ok: true,
    row: { position, id, type, hash, recordedAt, leaf, bodyId: 'id' in body ? body.id : undefined, bodyType: 'type' in body ? body.type : undefined },
  };
}
