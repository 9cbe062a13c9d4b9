import type { StreamWrite } from '../port.js';

/** What a journal event adds to an append besides its body: ids, type, chain metadata. */
const OVERHEAD_BYTES = 512;

/**
 * Splits writes into groups that each fit one server append. A stream write is never split, so
 * its expected revision is checked against one atomic append; one write larger than the limit
 * is a group of its own (the server then says it is too large).
 */
export function groupWritesBySize(writes: readonly StreamWrite[], maxBytes: number): StreamWrite[][] {
  const groups: StreamWrite[][] = [];
  let current: StreamWrite[] = [];
  let size = 0;
  for (const write of writes) {
    const bytes = write.events.reduce((sum, event) => sum + OVERHEAD_BYTES + Buffer.byteLength(JSON.stringify(event.body)), 0);
    if (current.length > 0 && size + bytes > maxBytes) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(write);
    size += bytes;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
