import type { Command } from 'commander';
import { eventIdsStartingWith, readEventPosition } from '../../../projections/event-index/event-index.js';
import type { ReadSource } from '../../../projections/projection-context.js';
import { ValidationError } from '../../errors.js';
import { signingKeyOptions, withLedger } from '../with-ledger.js';
import type { GlobalOptions } from '../global-options.js';
import { withOutputFiles } from '../../composition/output-files.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];
const size = (text: string): number => {
  if (!/^[0-9]{1,15}$/.test(text)) throw new ValidationError(`a tree size is a whole number, not ${JSON.stringify(text).slice(0, 40)}`);
  return Number(text);
};

/** An event id as given, or the one event whose id starts with it (the short ids pages show); none or several refused by name. */
export function fullEventId(db: ReadSource, given: string): string {
  if (readEventPosition(db, given) !== null || given.length < 4) return given;
  const found = eventIdsStartingWith(db, given);
  if (found.length === 1) return found[0]!;
  if (found.length > 1) throw new ValidationError(`several events have ids starting with ${JSON.stringify(given).slice(0, 40)}: give more of the id`);
  return given;
}

export function proveCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('prove')
    .description('print a proof bundle (JSON) anyone can check offline with `pdl verify-proof`: that events are in the ledger, or that it only grew')
    .option('--event <id>', 'an event to prove included (repeat for more), by its id or the start of it when that names one event (the short ids pages show); against the latest checkpoint, signed now if the ledger grew', collect)
    .option('--from-size <n>', 'prove the checkpoint signed at this size is a prefix of a later one', size)
    .option('--to-size <n>', 'the later checkpoint (default: the latest, signed now if the ledger grew)', size)
    .option('--out <file>', 'write the bundle to this new file (mode 0600) instead of standard output')
    .option('--force', 'with --out: replace the file when it is there and yours (never a link, nor another user\'s file)')
    .option('--json', 'the bundle as JSON (the only format; accepted for symmetry with other commands)')
    .addHelpText('after', '\nExamples:\n  pdl prove --event 0f8f…  --event 1a2b…  > inclusion.json\n  pdl prove --from-size 1200 > consistency.json\n' +
      'A bundle holds sealed values only (the ciphertext the chain covers), never plaintext. --out refuses a file already there\n' +
      '(exit 2) unless --force, and a symbolic link always.')
    .action(async (options: { event?: string[]; fromSize?: number; toSize?: number; out?: string; force?: boolean }) => {
      if (!options.event === (options.fromSize === undefined)) throw new ValidationError('give --event ID (inclusion) or --from-size N (consistency), not both or neither');
      if (options.toSize !== undefined && options.fromSize === undefined) throw new ValidationError('--to-size needs --from-size');
      // The file is created before a checkpoint may be signed for the bundle: a refusal changes nothing.
      const text = await withOutputFiles(options.out ? [options.out] : [], { force: options.force }, async ([file]) => {
        const bundle = await withLedger(globals(), async (opened) => {
          const { openProver } = await import('../../composition/open-prover.js');
          const prover = await openProver(opened, signingKeyOptions(globals()));
          return options.event ? prover.inclusion(options.event.map((id) => fullEventId(opened.readModelsDb, id))) : prover.consistency(options.fromSize!, options.toSize);
        }, { readModels: true });
        const text = `${JSON.stringify(bundle, null, 2)}\n`;
        file?.write(text);
        return text;
      });
      if (!options.out) process.stdout.write(text);
    });
}
