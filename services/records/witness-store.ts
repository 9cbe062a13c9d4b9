/**
 * The witness records port (services/proofs/witness.ts, README "Witnesses"): the latest checkpoint
 * a witness cosigned of each log. A witness run on several hosts must decide against one record —
 * two hosts each cosigning a different tree of one size would be the split view a witness exists
 * to refuse — so decisions are taken one at a time across every process sharing the store.
 * Adapters: file-witness-store.ts (a 0600 JSON file, the default), postgres-witness-store.ts.
 */

/** What the witness cosigned last of one log. A log is its verifier key (name = origin, and public key). */
export interface SeenLog {
  readonly origin: string;
  readonly size: number;
  readonly root: string;
  readonly note: string;
}

/** What a decision keeps: the log's new latest checkpoint, or nothing (a refusal). */
export interface WitnessDecision<T> {
  readonly keep?: { readonly logKey: string; readonly seen: SeenLog };
  readonly result: T;
}

export interface WitnessStore {
  /**
   * Runs `decide` on what was seen of every log (by verifier key), no other decision running
   * meanwhile on this store, and keeps what it returns before resolving. A `decide` that throws
   * keeps nothing.
   */
  decide<T>(decide: (seen: ReadonlyMap<string, SeenLog>) => Promise<WitnessDecision<T>>): Promise<T>;
  close(): Promise<void>;
}
