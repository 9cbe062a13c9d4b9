/**
 * What `pdl verify` remembers between runs, outside the ledger's folder (the operator can delete
 * checkpoint rows, not this): the latest checkpoint it verified of each ledger, keyed by verifier
 * key and origin. A log later shorter than it, or not holding its root, is reported even when
 * every checkpoint row is gone. One JSON file, 0600, replaced whole on each save.
 */
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import * as z from 'zod';
import { ValidationError } from '../errors.js';
import { readPrivateFile, replacePrivateFile } from './output-files.js';

const Remembered = z.object({
  origin: z.string(),
  verifierKey: z.string(),
  size: z.number().int().positive(),
  root: z.string(),
  note: z.string(),
  verifiedAt: z.string(),
  /** Where the ledger was when it was verified: only for the report (a copy elsewhere is the same ledger). */
  ledger: z.string(),
});
export type RememberedCheckpoint = z.infer<typeof Remembered>;

const StateFile = z.object({ version: z.literal(1), checkpoints: z.array(Remembered) });

/** `$XDG_STATE_HOME/pdl/verify-state.json`, else `~/.local/state/pdl/verify-state.json` (XDG Base Directory). */
export function defaultStatePath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME?.startsWith('/') ? env.XDG_STATE_HOME : join(env.HOME || homedir(), '.local', 'state');
  return join(base, 'pdl', 'verify-state.json');
}

export class VerifyState {
  private constructor(readonly path: string, private readonly entries: RememberedCheckpoint[]) {}

  static load(path: string): VerifyState {
    const text = readPrivateFile(path);
    if (text === null) return new VerifyState(path, []);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new ValidationError(`the verify state ${path} cannot be read (${error instanceof Error ? error.name : 'error'}): move it away, or pass --no-state`);
    }
    const state = StateFile.safeParse(parsed);
    if (!state.success) throw new ValidationError(`${path} is not a pdl verify state file: move it away, or pass --no-state`);
    return new VerifyState(path, state.data.checkpoints);
  }

  /** The checkpoints remembered under this verifier key (one per origin it signed). */
  recall(verifierKey: string): RememberedCheckpoint[] {
    return this.entries.filter((e) => e.verifierKey === verifierKey);
  }

  /** Entries remembered for a ledger at this location, oldest first. */
  seenAt(ledger: string): RememberedCheckpoint[] {
    return this.entries.filter((e) => e.ledger === ledger).sort((a, b) => a.verifiedAt.localeCompare(b.verifiedAt));
  }

  /** Entries remembered for a ledger at this location under other keys: its key was replaced, or another ledger took its place. */
  otherKeysAt(ledger: string, verifierKey: string): RememberedCheckpoint[] {
    return this.entries.filter((e) => e.ledger === ledger && e.verifierKey !== verifierKey);
  }

  /** Keeps `checkpoint` unless one as large is remembered for its key and origin (kept with the day it was first seen); whether it was kept. */
  remember(checkpoint: RememberedCheckpoint): boolean {
    const i = this.entries.findIndex((e) => e.verifierKey === checkpoint.verifierKey && e.origin === checkpoint.origin);
    if (i >= 0 && this.entries[i]!.size >= checkpoint.size) return false;
    if (i >= 0) this.entries[i] = checkpoint;
    else this.entries.push(checkpoint);
    return true;
  }

  save(): void {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    replacePrivateFile(this.path, `${JSON.stringify({ version: 1, checkpoints: this.entries }, null, 2)}\n`);
  }
}
