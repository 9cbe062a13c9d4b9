import type { JsonObject, StreamWrite } from '../port.js';

/** What a journal event adds to an append besides its body: ids, type, chain metadata. */
const OVERHEAD_BYTES = 512;

/** An event's share of a server append. */
export const appendBytes = (body: JsonObject): number => OVERHEAD_BYTES + Buffer.byteLength(JSON.stringify(body));

/** Consecutive items, in order, in chunks of at most `maxBytes` each (an item larger than that is a chunk of its own). */
export function chunkBySize<T>(items: readonly T[], bytesOf: (item: T) => number, maxBytes: number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const item of items) {
    const bytes = bytesOf(item);
    if (current.length > 0 && size + bytes > maxBytes) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(item);
    size += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Writes in groups that each fit one server append. A stream write is never split, so its
 * expected revision is checked against one atomic append; one write larger than the limit is a
 * group of its own (the server then says it is too large).
 */
export function groupWritesBySize(writes: readonly StreamWrite[], maxBytes: number): StreamWrite[][] {
  return chunkBySize(writes, (write) => write.events.reduce((sum, event) => sum + appendBytes(event.body), 0), maxBytes);
}
