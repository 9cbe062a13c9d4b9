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

/** A row as held here: one object per key for the whole batch, its state replaced in place. */
interface HeldRow<S> {
  readonly key: Key;
  state: S | null;
}

export class PendingRows<S> {
  private readonly rows = new Map<string, HeldRow<S>>();
  private readonly byFirstColumn = new Map<string | number, Map<string, HeldRow<S>>>();

  get(key: Key): PendingRow<S> | undefined {
    return this.rows.get(rowIdOf(key));
  }

  set(key: Key, state: S | null): void {
    const id = rowIdOf(key);
    const held = this.rows.get(id);
    // Already held (a subject's row, event after event): the same object in both maps takes the new state.
    if (held) {
      held.state = state;
      return;
    }
    const row: HeldRow<S> = { key, state };
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

/**
 * One string per key, the same wherever rows of a batch are matched. A model's keys all have its
 * number of columns: one text column is its own id; text columns without NUL are joined by NUL
 * (the id then holds a NUL, which no JSON text holds unescaped); anything else is its JSON.
 */
export const rowIdOf = (key: Key): string => {
  if (key.length === 1 && typeof key[0] === 'string') return key[0];
  let id = '';
  for (let i = 0; i < key.length; i += 1) {
    const part = key[i];
    if (typeof part !== 'string' || part.includes('\u0000')) return JSON.stringify(key);
    id = i === 0 ? part : `${id}\u0000${part}`;
  }
  return key.length === 0 ? JSON.stringify(key) : id;
};
