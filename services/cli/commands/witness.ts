import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { withOutputFiles, writeOutputFile } from '../../composition/output-files.js';
import { ValidationError } from '../../errors.js';
import { ProofBundle } from '../../../schemas/proof-bundle.js';

export function witnessCommand(program: Command): void {
  program
    .command('witness')
    .description('act as a witness for a ledger: cosign its checkpoint only if the log only grew since the last one seen (C2SP tlog-cosignature)')
    .argument('<bundle>', 'a bundle from the ledger (pdl prove): its checkpoint is what gets cosigned; from the second time on, a consistency bundle from the size last seen')
    .requiredOption('--key <file>', 'the witness\'s signing key (created with --new-key NAME if missing; mode 0600)')
    .requiredOption('--state <file|postgres://…>', 'where the witness keeps the last checkpoint it saw of each log: a file (mode 0600), or a PostgreSQL database of the witness\'s own (for a witness on several hosts)')
    .requiredOption('--log-key <vkey>', 'the ledger\'s verifier key (pdl checkpoint --verifier-key), pinned on first use')
    .option('--new-key <name>', 'create the witness key file with this name (e.g. witness.example.org/w1) when it does not exist')
    .option('--out <file>', 'write the cosigned checkpoint to this new file (mode 0600) instead of standard output')
    .option('--force', 'with --out: replace the file when it is there and yours (never a link, nor another user\'s file)')
    .addHelpText('after', '\nPrints the checkpoint with the witness\'s cosignature line added; `pdl verify-proof --witness <key>` then requires it.\n' +
      'Refuses (exit 2) a checkpoint that goes back, a second tree of the same size, another log key, or a proof that does not connect.\n' +
      'Witness hosts sharing one PostgreSQL state decide one at a time: no two of them cosign two trees of one size.\n\n' +
      'Examples:\n  pdl witness growth.json --key witness.key --state witness.json --log-key "$(cat ledger.vkey)"\n' +
      '  pdl witness growth.json --key witness.key --state "postgres://witness@db.internal/witness" --log-key "$(cat ledger.vkey)"')
    .action(async (file: string, options: { key: string; state: string; logKey: string; newKey?: string; out?: string; force?: boolean }) => {
      const [{ newWitnessKey, witness, witnessFromKey }, { openWitnessState }] = await Promise.all([
        import('../../proofs/witness.js'), import('../../composition/open-records.js')]);
      if (!existsSync(options.key)) {
        if (!options.newKey) throw new ValidationError(`no witness key at ${options.key}: give --new-key NAME to create one`);
        writeOutputFile(options.key, `${newWitnessKey(options.newKey)}\n`);
      }
      const key = witnessFromKey(readFileSync(options.key, 'utf8'), options.key);
      const parsed = ProofBundle.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      if (!parsed.success) throw new ValidationError(`${file} is not a proof bundle (schemas/json/*-bundle.schema.json)`);
      const bundle = parsed.data;
      // The file is created before the state moves on: a refused --out leaves the witness as it was.
      const state = await openWitnessState(options.state);
      const result = await withOutputFiles(options.out ? [options.out] : [], { force: options.force }, async ([file]) => {
        const result = await witness({ state, key, logKey: options.logKey, checkpoint: bundle.checkpoint, proof: 'consistency' in bundle ? bundle : undefined });
        file?.write(result.note);
        return result;
      }).finally(() => state.close());
      if (!options.out) process.stdout.write(result.note);
      process.stderr.write(`pdl: cosigned ${result.checkpoint.origin} at size ${result.checkpoint.size}${result.first ? ' (first seen: trusted on first use)' : ', consistent with the last one seen'}; witness key: ${key.verifierKey}\n`);
    });
}
