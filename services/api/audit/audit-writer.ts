/**
 * The read audit's writer: a value leaves the server only once the `DataViewed` that records it
 * is in the ledger. Answers wait for their audit record, so the records of concurrent answers
 * are written together (group commit): while one append is in flight, the next answers' records
 * queue and go in the next one, so a busy server pays one transaction for many answers, not one each.
 */
import type { Logger } from 'pino';
import { AuditUnavailableError } from '../../errors.js';
import type { Ledger } from '../../ledger/ledger.js';

interface Waiting {
  readonly events: readonly object[];
  resolve(): void;
  reject(error: Error): void;
}

/**
 * People named per transaction: a queue of one-person records is written in one commit, while a
 * record naming a whole page of people (~30 ms to append) gets a transaction of its own, with the
 * request loop between them — other callers (/health) never wait for a group of them at once.
 */
const GROUP_WEIGHT = 500;
const weightOf = (event: object): number => ('data' in event && typeof event.data === 'object' && event.data !== null && 'subjects' in event.data && Array.isArray(event.data.subjects) ? event.data.subjects.length : 1);

export class AuditWriter {
  private queue: Waiting[] = [];
  private draining: Promise<void> | null = null;

  constructor(private readonly ledger: Pick<Ledger, 'record'>, private readonly log: Pick<Logger, 'error'>) {}

  /** Resolves when every event is stored (appended, or found stored before); rejects otherwise. */
  write(events: readonly object[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ events, resolve, reject });
      this.draining ??= this.drain().finally(() => { this.draining = null; });
    });
  }

  /** Resolves when nothing is queued or being written (at stop). */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      // One turn of the loop before taking the group: on the embedded log a commit's fsync blocks the
      // thread, so no answer can join while it runs — the answers ready in this turn join here instead.
      await new Promise((resolve) => setImmediate(resolve));
      const group = this.queue.splice(0, this.queue.length);
      const events = group.flatMap((waiting) => waiting.events);
      try {
        const chunkSize = Math.max(1, Math.floor(GROUP_WEIGHT / Math.max(...events.map(weightOf))));
        const result = await this.ledger.record(events, { chunkSize, submitter: { kind: 'ledger', id: 'api.read-audit' } });
        let at = 0;
        for (const waiting of group) {
          const outcomes = result.outcomes.slice(at, at + waiting.events.length);
          at += waiting.events.length;
          const refused = outcomes.find((outcome) => outcome.status === 'rejected');
          if (refused) {
            this.log.error({ errors: refused.errors }, 'a DataViewed record was refused: the answer was withheld');
            waiting.reject(new AuditUnavailableError('the read could not be recorded in the ledger, so its values are withheld; try again'));
          } else waiting.resolve();
        }
      } catch (error) {
        this.log.error({ error: error instanceof Error ? error.name : String(error), answers: group.length }, 'could not record DataViewed events: the answers were withheld');
        for (const waiting of group) waiting.reject(new AuditUnavailableError('the read could not be recorded in the ledger, so its values are withheld; try again'));
      }
    }
  }
}
