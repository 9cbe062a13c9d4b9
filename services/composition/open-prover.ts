/**
 * The prover of an opened ledger: its Merkle tree (a read model), its checkpoints and its signing
 * key (PDL_SIGNING_KEY, else `<db>.signing.key`, created on first use with the origin given or
 * this default: `<host>/pdl/<ledger name>`).
 */
import { hostname } from 'node:os';
import { basename } from 'node:path';
import { ValidationError } from '../errors.js';
import { loadSigner } from '../proofs/note-signer.js';
import { Prover } from '../proofs/prover.js';
import type { OpenedLedger } from './open-ledger.js';

export function defaultOrigin(db: string): string {
  const clean = (text: string) => text.replace(/[^\x21-\x2a\x2c-\x7e]+/g, '-').replace(/\//g, '-').slice(0, 60) || 'ledger';
  return `${clean(hostname().toLowerCase())}/pdl/${clean(basename(db).replace(/\.db$/, ''))}`;
}

export function openProver(
  opened: Pick<OpenedLedger, 'paths' | 'store' | 'readModelsDb' | 'readModels'>,
  options: { origin?: string; create?: boolean; env?: NodeJS.ProcessEnv; now?: () => Date } = {},
): Prover {
  if (!opened.readModels) throw new ValidationError('proofs need the read models (the Merkle tree is one): open the ledger with them');
  const signer = loadSigner({
    keyFile: opened.paths.signingKeyFile, env: options.env ?? process.env, create: options.create ?? true,
    origin: options.origin, defaultOrigin: defaultOrigin(opened.paths.db),
  });
  return new Prover(opened.readModelsDb, opened.store, signer, options.now);
}
