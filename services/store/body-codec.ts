/**
 * How the embedded log keeps an event's body (README "Bytes per event"): the body's JSON compressed
 * one row at a time — Zstandard (RFC 8878) with a preset dictionary of the common bodies' shape —
 * behind one byte naming the codec. A row stays readable on its own (no state across rows), and any
 * zstd implementation given the dictionary's bytes reads it. Rows written before the codec are JSON
 * text and stay so: text is read as it is, a blob by the codec its first byte names.
 */
import { compressUsingDict, createCCtx, createDCtx, decompressUsingDict, init } from '@bokuweb/zstd-wasm';
import { LedgerError } from '../errors.js';
import { BODY_DICTIONARY_1 } from './body-dictionary-1.js';
import type { JsonObject } from './port.js';

await init();

/** The codec byte of a body compressed with zstd and {@link BODY_DICTIONARY_1}. */
export const BODY_CODEC_ZSTD_1 = 1;

const DICTIONARY_1 = new TextEncoder().encode(BODY_DICTIONARY_1);
// Level 1: the ratio of level 3 within 1 % on event bodies, a fifth less time per body.
const LEVEL = 1;
/** Larger than any body the API or a broker takes; a frame that says it holds more is not decoded (it would be allocated first). */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

const compression = createCCtx();
const decompression = createDCtx();

/** A stored body that does not read back: the row was altered or damaged. The message names no stored value. */
export class BodyDecodeError extends LedgerError {
  readonly code = 'TAMPERED';
}

/** The stored form of a body's JSON text: the codec byte, then the zstd frame. */
export function encodeBody(json: string): Buffer {
  const frame = compressUsingDict(compression, Buffer.from(json, 'utf8'), DICTIONARY_1, LEVEL);
  const stored = Buffer.allocUnsafe(frame.length + 1);
  stored[0] = BODY_CODEC_ZSTD_1;
  stored.set(frame, 1);
  return stored;
}

/** The JSON text of a stored body: text as stored, a blob decoded by its codec. */
export function decodeBody(stored: string | Uint8Array): string {
  if (typeof stored === 'string') return stored;
  if (stored[0] !== BODY_CODEC_ZSTD_1) throw new BodyDecodeError('its body is binary in no codec this ledger knows');
  const frame = stored.subarray(1);
  const size = frameContentSize(frame);
  if (size === null) throw new BodyDecodeError('its body is not a whole Zstandard frame with its size');
  if (size > MAX_BODY_BYTES) throw new BodyDecodeError('its body says it decodes to more than any body the ledger takes');
  let json: Uint8Array;
  try {
    json = decompressUsingDict(decompression, frame, DICTIONARY_1);
  } catch {
    throw new BodyDecodeError('its compressed body does not decode');
  }
  if (json.length !== size) throw new BodyDecodeError('its compressed body does not decode to the size it says');
  return Buffer.from(json.buffer, json.byteOffset, json.byteLength).toString('utf8');
}

/** A stored body's JSON text; what is wrong is said with the row's position. */
export function bodyText(stored: string | Uint8Array, position: number): string {
  try {
    return decodeBody(stored);
  } catch (error) {
    if (error instanceof BodyDecodeError) throw new BodyDecodeError(`position ${position}: ${error.message}`);
    throw error;
  }
}

/**
 * A body's JSON text read as the ledger wrote it: a JSON object. What is wrong is said with the row's
 * position and never with the parser's own message, which quotes the text around the fault.
 */
export function parseBodyText(text: string, position: number): JsonObject {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new BodyDecodeError(`position ${position}: its body is not valid JSON`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BodyDecodeError(`position ${position}: its body is not a JSON object`);
  return body as JsonObject;
}

/** A stored body read back: decoded, then parsed. */
export const parseBody = (stored: string | Uint8Array, position: number): JsonObject => parseBodyText(bodyText(stored, position), position);

const FCS_BYTES = [0, 2, 4, 8] as const;
const DICTIONARY_ID_BYTES = [0, 1, 2, 4] as const;

/**
 * The content size a zstd frame header declares (RFC 8878 §3.1.1.1), or null when the bytes are no
 * frame or declare none. Read before decoding: the decoder allocates what the header declares.
 */
export function frameContentSize(frame: Uint8Array): number | null {
  if (frame.length < 6 || frame[0] !== 0x28 || frame[1] !== 0xb5 || frame[2] !== 0x2f || frame[3] !== 0xfd) return null;
  const descriptor = frame[4]!;
  const singleSegment = (descriptor >> 5) & 1;
  const fcsFlag = descriptor >> 6;
  const fcsBytes = fcsFlag === 0 ? singleSegment : FCS_BYTES[fcsFlag]!;
  if (fcsBytes === 0) return null;
  const at = 5 + (singleSegment ? 0 : 1) + DICTIONARY_ID_BYTES[descriptor & 3]!;
  if (frame.length < at + fcsBytes) return null;
  let size = 0;
  for (let i = fcsBytes - 1; i >= 0; i--) size = size * 256 + frame[at + i]!;
  return fcsBytes === 2 ? size + 256 : size;
}
