/**
 * A keyed model's rows changed within one batch of the runner: held in memory and written once
 * when the batch ends, instead of a read, a JSON parse, a JSON write and an upsert per event.
 * Reads within the batch go through here first, so a model (or one reading it) still sees each
 * row exactly as of the event being applied. Rows are indexed by their first key column, since
 * prefix reads (a subject's consents, a subject's categories) run per act.
 */
/** A keyed model's row key: its key columns' values, in order. */
export type Key = readonly (string | number)[];

export interface PendingRow<S> {
  readonly key: Key;
  /** null: the row is deleted. */
  readonly state: S | null;
}

export class PendingRows<S> {
  private readonly rows = new Map<string, PendingRow<S>>();
  private readonly byFirstColumn = new Map<string | number, Map<string, PendingRow<S>>>();

  get(key: Key): PendingRow<S> | undefined {
    return this.rows.get(rowIdOf(key));
  }

  set(key: Key, state: S | null): void {
    const id = rowIdOf(key);
    const row = { key, state };
    this.rows.set(id, row);
    let group = this.byFirstColumn.get(key[0]!);
    if (!group) {
      group = new Map();
      this.byFirstColumn.set(key[0]!, group);
    }
    group.set(id, row);
  }

  /** The rows changed under a key prefix (deleted ones included), in no particular order. */
  under(prefix: Key): Iterable<PendingRow<S>> {
    if (prefix.length === 0) return this.rows.values();
    const group = this.byFirstColumn.get(prefix[0]!);
    if (!group) return [];
    if (prefix.length === 1) return group.values();
    return [...group.values()].filter((row) => prefix.every((part, i) => row.key[i] === part));
  }

  get size(): number {
    return this.rows.size;
  }

  values(): Iterable<PendingRow<S>> {
    return this.rows.values();
  }
}

/** One string per key, the same wherever rows of a batch are matched. */
export const rowIdOf = (key: Key): string => (key.length === 1 && typeof key[0] === 'string' ? key[0] : JSON.stringify(key));
