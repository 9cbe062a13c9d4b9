/**
 * After a command appended events: a checkpoint over them, signed at once when the signing key is
 * at hand, so that what the command line writes is covered as soon as what a server writes; when
 * no key is, one line says the new events are unsigned until a signer runs.
 */
import type { OpenedLedger } from '../composition/open-ledger.js';
import type { SigningKeyOptions } from '../composition/open-prover.js';
import { LedgerError } from '../errors.js';
import type { GlobalOptions } from './global-options.js';
import { signingKeyOptions } from './with-ledger.js';

export async function signWhatWasWritten(opened: OpenedLedger, globals: GlobalOptions, appended: number, keyOptions: SigningKeyOptions = {}): Promise<void> {
  if (appended <= 0) return;
  const what = appended === 1 ? 'the new event is' : `the ${appended} new events are`;
  const unsigned = (why: string): void => {
    process.stderr.write(`pdl: ${what} unsigned until a signer runs (pdl checkpoint with the signing key): ${why}\n`);
  };
  if (!opened.projectionRunner || (opened.worker && opened.placement !== 'deferred')) return unsigned('the Merkle tree is kept by a projection worker, not by this command');
  const [{ openProver }, { NoSigningKeyError }] = await Promise.all([import('../composition/open-prover.js'), import('../proofs/note-signer.js')]);
  let embedded = false;
  try {
    // Deferred, this process's worker keeps the tree: it is signed once the worker has applied what was written.
    if (opened.worker) await opened.readModelsClock.reach((await opened.store.head()).position, Number.POSITIVE_INFINITY);
    const prover = await openProver(opened, { ...signingKeyOptions(globals), ...keyOptions, create: false, onEmbedded: () => { embedded = true; } });
    const { checkpoint, signedNow } = await prover.checkpoint();
    process.stderr.write(`pdl: ${signedNow ? 'signed' : 'already signed'} the checkpoint of size ${checkpoint.size}, covering what was written` +
      `${embedded ? ' (with the key kept in the data folder: it proves nothing against whoever can write that folder)' : ''}\n`);
  } catch (error) {
    if (error instanceof NoSigningKeyError) return unsigned('no signing key here (PDL_SIGNING_KEY, or --signing-key PATH)');
    if (error instanceof LedgerError) return unsigned(error.message);
    throw error;
  }
}
