import { ValidationError } from '../errors.js';
import type { Chain, Head, RecordedEvent } from './port.js';

/**
 * Throws unless `events` carry on from `head`: consecutive positions, the first right after it,
 * and — when the store has a chain — each hash following from the one before. A copy that would
 * not verify is refused before anything of it is written.
 */
export function continuesHead(head: Head, events: readonly RecordedEvent[], chain?: Chain): void {
  let previousHash = head.hash;
  events.forEach((event, i) => {
    const expected = head.position + 1 + i;
    if (event.position !== expected) {
      throw new ValidationError(`cannot take over event ${event.id} at position ${event.position}: this store continues at position ${expected}`);
    }
    if (chain && chain.link(previousHash, event) !== event.hash) {
      throw new ValidationError(`cannot take over position ${event.position}: its hash does not follow from the one before (the source does not verify there)`);
    }
    previousHash = event.hash;
  });
}
