import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { ValidationError } from '../../errors.js';
import { ProofBundle } from '../../../schemas/proof-bundle.js';

export function verifyProofCommand(program: Command): void {
  program
    .command('verify-proof')
    .description('check a proof bundle offline, with no database: its checkpoint\'s signature, then every inclusion or consistency proof')
    .argument('<file>', 'the bundle (from `pdl prove` or the API\'s proof fields); - for standard input')
    .option('--key <verifier-key>', 'the verifier key you trust (from `pdl checkpoint --verifier-key`, published by the ledger\'s operator); ' +
      'without it the bundle\'s own key is used, which proves the bundle is consistent, not who signed it')
    .option('--origin <name>', 'refuse a checkpoint of any other origin')
    .option('--witness <vkey>', 'require a cosignature by this witness (its key from pdl witness); repeat for more', (v: string, prev: string[] = []) => [...prev, v])
    .option('--checkpoint <file>', 'use this copy of the checkpoint (e.g. one cosigned by witnesses) in place of the bundle\'s; its text must be the same')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', '\nExit status: 0 when everything verifies, 1 when anything does not (each problem is listed), 2 for a file that is not a bundle.')
    .action(async (file: string, options: { key?: string; origin?: string; json?: boolean; witness?: string[]; checkpoint?: string }) => {
      let bundle: unknown;
      try {
        bundle = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8'));
      } catch (error) {
        throw new ValidationError(`${file} is not a JSON proof bundle (${error instanceof Error ? error.name : 'error'})`);
      }
      const parsed = ProofBundle.safeParse(bundle);
      if (!parsed.success) {
        const problems = parsed.error.issues.slice(0, 10).map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
        throw new ValidationError(`${file} is not a proof bundle (schemas/json/*-bundle.schema.json):\n  ${problems.join('\n  ')}`);
      }
      const { splitNote, verifyBundle } = await import('../../proofs/verifier/verify-proof.js');
      let proof = parsed.data;
      if (options.checkpoint) {
        const cosigned = readFileSync(options.checkpoint, 'utf8');
        if (splitNote(cosigned).text !== splitNote(proof.checkpoint).text) throw new ValidationError(`${options.checkpoint} is not the same checkpoint as the bundle's`);
        proof = { ...proof, checkpoint: cosigned };
      }
      const report = await verifyBundle(proof, { verifierKey: options.key, origin: options.origin, witnesses: options.witness });
      if (options.json) console.log(JSON.stringify(report, null, 2));
      else {
        const c = report.checkpoint;
        console.log(report.ok ? `ok: ${report.kind} proven against the checkpoint of ${c!.origin} at size ${c!.size}` : `NOT VERIFIED (${report.kind})`);
        for (const entry of report.entries) console.log(`  ${entry.ok ? 'included' : 'NOT PROVEN'}  position ${entry.position}  event ${entry.eventId}`);
        for (const problem of report.problems) console.log(`  problem: ${problem}`);
        if (report.keyFromBundle) console.log('  note: checked with the key the bundle carries; give --key with the published verifier key to know who signed it');
      }
      if (!report.ok) process.exitCode = 1;
    });
}
