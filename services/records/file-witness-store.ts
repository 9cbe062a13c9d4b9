/**
 * A witness's records in a small JSON file (0600), replaced whole at each decision: the default,
 * for a witness on one host. Decisions in this process are queued one after another; the file
 * is not locked against another process (put the state in PostgreSQL for a witness on several hosts).
 */
import { readPrivateFile, replacePrivateFile } from '../composition/output-files.js';
import { MalformedRecordError } from './errors.js';
import type { SeenLog, WitnessDecision, WitnessStore } from './witness-store.js';

interface StateFile { version: 2; logs: Record<string, SeenLog> }

const isSeen = (value: unknown): value is SeenLog & { verifierKey?: unknown } => typeof value === 'object' && value !== null
  && 'origin' in value && typeof value.origin === 'string' && 'size' in value && typeof value.size === 'number'
  && 'root' in value && typeof value.root === 'string' && 'note' in value && typeof value.note === 'string';

export class FileWitnessStore implements WitnessStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly file: string) {}

  private read(): Map<string, SeenLog> {
    const text = readPrivateFile(this.file);
    if (text === null) return new Map();
    let stored: unknown;
    try {
      stored = JSON.parse(text);
    } catch {
      throw new MalformedRecordError(`${this.file} is not a witness state file (not JSON): move it away or name another with --state`);
    }
    const version = typeof stored === 'object' && stored !== null && 'version' in stored ? stored.version : undefined;
    const logs = typeof stored === 'object' && stored !== null && 'logs' in stored && typeof stored.logs === 'object' && stored.logs !== null ? stored.logs : null;
    if (logs === null) throw new MalformedRecordError(`${this.file} is not a witness state file (no logs): move it away or name another with --state`);
    const seen = new Map<string, SeenLog>();
    for (const [key, log] of Object.entries(logs)) {
      if (!isSeen(log)) throw new MalformedRecordError(`${this.file}: the record of a log is not one a witness writes: refused`);
      // Version 1 keyed logs by the origin a note claimed: kept only where that origin is its key's name.
      if (version === 2) seen.set(key, { origin: log.origin, size: log.size, root: log.root, note: log.note });
      else if (typeof log.verifierKey === 'string' && log.verifierKey.startsWith(`${key}+`)) seen.set(log.verifierKey, { origin: key, size: log.size, root: log.root, note: log.note });
    }
    return seen;
  }

  decide<T>(decide: (seen: ReadonlyMap<string, SeenLog>) => Promise<WitnessDecision<T>>): Promise<T> {
    const run = this.queue.then(async () => {
      const seen = this.read();
      const decision = await decide(seen);
      if (decision.keep) {
        seen.set(decision.keep.logKey, decision.keep.seen);
        const state: StateFile = { version: 2, logs: Object.fromEntries(seen) };
        replacePrivateFile(this.file, `${JSON.stringify(state, null, 2)}\n`);
      }
      return decision.result;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.queue;
  }
}
