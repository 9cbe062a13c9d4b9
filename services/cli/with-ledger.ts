import { openLedger, type OpenedLedger } from '../ledger/open-ledger.js';

/** Opens the ledger at `db`, runs `work`, and closes it whatever happens. */
export async function withLedger<T>(db: string, work: (opened: OpenedLedger) => Promise<T>): Promise<T> {
  const opened = await openLedger({ db });
  if (opened.masterKey.createdNow) {
    process.stderr.write(`pdl: created a master key in ${opened.masterKey.origin} (mode 0600). Back it up apart from the data: without it nothing can be decrypted.\n`);
  }
  try {
    return await work(opened);
  } finally {
    await opened.close();
  }
}
