/**
 * Master-key generations on a PKCS#11 token (README "Keys and backups"): each generation is its
 * own AES-256 key generated on the token — generation 1 labelled as configured (PDL_PKCS11_KEY,
 * default `pdl-master`), generation N after it `<label>.gN` — so the ledger, given one label, finds
 * every generation it may need: the current one, and retired ones a restored backup of the key
 * store still opens with. A rotation makes the next generation's key there and re-wraps every data
 * key under it; a retired generation's key is destroyed on the token once the backup-retention
 * window has passed (at a start, and hourly while serving), which is when an erasure reaches every
 * backup of the key store. Its counterpart for keys held as files is master-keyring.ts.
 */
import { ValidationError } from '../errors.js';
import { FIRST_GENERATION, type BackupRetention, type KeyStore, type MasterGeneration, type MasterKeyCandidate } from '../ledger/keys/key-store.js';
import type { Pkcs11Token, TokenConfig } from '../ledger/keys/pkcs11-key-wrapper.js';
import type { Reconciled } from './master-keyring.js';

export interface TokenKey {
  readonly generation: number;
  readonly label: string;
  readonly handle: Buffer;
}

export class TokenKeyring {
  constructor(private readonly token: Pkcs11Token, private readonly config: TokenConfig) {}

  labelOf(generation: number): string {
    return generation === FIRST_GENERATION ? this.config.keyLabel : `${this.config.keyLabel}.g${generation}`;
  }

  originOf(label: string): string {
    return `pkcs11:token=${this.config.token};object=${label}`;
  }

  /** This ledger's keys on the token (by label), newest generation first. */
  keys(): TokenKey[] {
    const base = this.config.keyLabel;
    return this.token.secretKeys().flatMap(({ label, handle }) => {
      if (label === base) return [{ generation: FIRST_GENERATION, label, handle }];
      const match = label.startsWith(`${base}.g`) ? /^\d+$/.exec(label.slice(base.length + 2)) : null;
      const generation = match ? Number(match[0]) : NaN;
      return Number.isSafeInteger(generation) && generation > FIRST_GENERATION ? [{ generation, label, handle }] : [];
    }).sort((a, b) => b.generation - a.generation);
  }

  /** The keys to open the store with (or to follow another process's rotation with), newest first. */
  candidates(): Array<MasterKeyCandidate & { readonly generation: number }> {
    return this.keys().map((key) => ({ wrapper: this.token.wrapper(key.handle), origin: this.originOf(key.label), generation: key.generation }));
  }

  /** The first generation's key for a new store: the one labelled as configured, generated now unless the token has it. */
  first(): { readonly candidate: MasterKeyCandidate; readonly createdNow: boolean } {
    const label = this.labelOf(FIRST_GENERATION);
    const found = this.token.findKey(label);
    const handle = found ?? this.token.generateKey(label);
    return { candidate: { wrapper: this.token.wrapper(handle), origin: this.originOf(label) }, createdNow: found === null };
  }

  /**
   * The next generation's key made on the token and every data key re-wrapped under it. A key of
   * that generation already there was made by a rotation that never committed: it wraps nothing
   * yet, so it serves (destroying it could race a rotation committing in another process).
   */
  async rotate(keys: KeyStore, retention: BackupRetention): Promise<{ rewrapped: number; generation: number; origin: string; retired: number }> {
    const retired = currentOf(await keys.generations());
    const label = this.labelOf(retired + 1);
    const handle = this.token.findKey(label) ?? this.token.generateKey(label);
    const { rewrapped, generation } = await keys.rotateMaster(this.token.wrapper(handle), () => undefined, retention);
    // The label is what the destruction goes by: it must name the generation the store committed.
    if (generation !== retired + 1) this.token.relabel(handle, this.labelOf(generation));
    return { rewrapped, generation, origin: this.originOf(this.labelOf(generation)), retired };
  }

  /**
   * Retired generations past their window: recorded destroyed in the key store first, then
   * destroyed on the token (a crash in between leaves a destruction the next run completes). The
   * current generation's key, and any newer one, is never touched. A due generation whose key is
   * not on the token is left for the operator to confirm (`pdl keys destroyed N`): it may live on
   * elsewhere.
   */
  async reconcile(keys: KeyStore, now: Date = new Date()): Promise<Reconciled> {
    const generations = await keys.generations();
    const current = currentOf(generations);
    const onToken = new Map(this.keys().map((key) => [key.generation, key]));
    const destroyed: number[] = [];
    const operatorToDestroy: MasterGeneration[] = [];
    for (const g of generations) {
      if (g.generation >= current) continue;
      const due = g.destroyedAt !== null || (g.destroyAfter !== null && Date.parse(g.destroyAfter) <= now.getTime());
      if (!due) continue;
      const key = onToken.get(g.generation);
      if (g.destroyedAt === null) {
        if (!key) {
          operatorToDestroy.push(g);
          continue;
        }
        await keys.recordDestroyed(g.generation);
        destroyed.push(g.generation);
      }
      if (key) this.token.destroyKey(key.handle);
    }
    return { destroyed, operatorToDestroy };
  }
}

function currentOf(generations: readonly MasterGeneration[]): number {
  const current = generations.at(-1)?.generation;
  if (current === undefined) throw new ValidationError('the key store records no master-key generation');
  return current;
}
