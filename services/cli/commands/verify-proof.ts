import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { ValidationError } from '../../errors.js';
import { ConsistencyBundle, ProofBundle } from '../../../schemas/proof-bundle.js';

function readBundle(file: string): ProofBundle {
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
  return parsed.data;
}

/** The checkpoint a verifier kept: the signed note `pdl checkpoint` prints, or the JSON of `pdl checkpoint --json` (its `note`). */
export function readKeptCheckpoint(file: string): string {
  const text = readFileSync(file, 'utf8');
  if (!text.trimStart().startsWith('{')) return text;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && 'note' in parsed && typeof parsed.note === 'string') return parsed.note;
  } catch {
    // Not JSON after all: reported below.
  }
  throw new ValidationError(`${file} is neither a signed checkpoint (as \`pdl checkpoint\` prints it) nor the JSON of \`pdl checkpoint --json\``);
}

export function verifyProofCommand(program: Command): void {
  program
    .command('verify-proof')
    .description('check a proof bundle offline, with no database, against the verifier key you pinned and the checkpoint you kept')
    .argument('<file>', 'the bundle (from `pdl prove` or the API\'s proof fields); - for standard input')
    .option('--key <verifier-key>', 'the verifier key you pinned (published by the ledger\'s operator: `pdl checkpoint --verifier-key`); ' +
      'required for "ok": without it the bundle\'s own key is used, which shows the bundle is self-consistent, not who signed it')
    .option('--origin <name>', 'refuse a checkpoint of any other origin')
    .option('--since <file>', 'the checkpoint you kept (a signed note as `pdl checkpoint` prints it, or its `--json`): the bundle must extend that very tree')
    .option('--consistency <file>', 'with --since and an inclusion bundle of another size: the consistency bundle between the kept checkpoint and the bundle\'s (pdl prove --from-size K --to-size N)')
    .option('--witness <vkey>', 'require a cosignature by this witness (its key from pdl witness); repeat for more', (v: string, prev: string[] = []) => [...prev, v])
    .option('--checkpoint <file>', 'use this copy of the checkpoint (e.g. one cosigned by witnesses) in place of the bundle\'s; its text must be the same')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', '\nAn auditor who kept the checkpoint of size K:\n' +
      '  pdl verify-proof growth.json --key \'<the published verifier key>\' --since kept-checkpoint.txt\n' +
      'A subject, against her kept checkpoint, with the link from it to the bundle\'s:\n' +
      '  pdl verify-proof mine.json --key \'<vkey>\' --since kept-checkpoint.txt --consistency link.json\n' +
      '\nExit status: 0 when everything verifies under the key given (and reaches the kept checkpoint), 1 when anything\n' +
      'does not or no key was given (each problem is listed), 2 for a file that is not a bundle or a checkpoint.')
    .action(async (file: string, options: { key?: string; origin?: string; json?: boolean; witness?: string[]; checkpoint?: string; since?: string; consistency?: string }) => {
      const { origin } = options;
      let proof = readBundle(file);
      const since = options.since === undefined ? undefined : readKeptCheckpoint(options.since);
      let link: ConsistencyBundle | undefined;
      if (options.consistency !== undefined) {
        if (since === undefined) throw new ValidationError('--consistency links the bundle to the checkpoint you kept: give that checkpoint with --since');
        const parsed = ConsistencyBundle.safeParse(readBundle(options.consistency));
        if (!parsed.success) throw new ValidationError(`${options.consistency} is not a consistency bundle (pdl prove --from-size K --to-size N)`);
        link = parsed.data;
      }
      const { splitNote, verifyBundle } = await import('../../proofs/verifier/verify-proof.js');
      if (options.checkpoint) {
        const cosigned = readFileSync(options.checkpoint, 'utf8');
        if (splitNote(cosigned).text !== splitNote(proof.checkpoint).text) throw new ValidationError(`${options.checkpoint} is not the same checkpoint as the bundle's`);
        proof = { ...proof, checkpoint: cosigned };
      }
      const report = await verifyBundle(proof, { verifierKey: options.key, origin, witnesses: options.witness, since, link });
      if (options.json) console.log(JSON.stringify(report, null, 2));
      else {
        const c = report.checkpoint;
        const against = report.since ? `, extending the checkpoint you kept (size ${report.since.size})` : '';
        console.log(report.ok ? `ok: ${report.kind} proven against the checkpoint of ${c!.origin} at size ${c!.size}${against}` : `NOT VERIFIED (${report.kind})`);
        for (const entry of report.entries) console.log(`  ${entry.ok ? 'included' : 'NOT PROVEN'}  position ${entry.position}  event ${entry.eventId}`);
        for (const problem of report.problems) console.log(`  problem: ${problem}`);
        if (report.keyFromBundle) {
          const claimed = proof.verifierKey.split('+').slice(0, 2).join('+');
          console.log(`  ${report.internallyConsistent ? 'internally consistent under the key it carries' : 'not even consistent under the key it carries'} (${claimed}): ` +
            'pin the verifier key the operator publishes (--key; on the ledger: pdl checkpoint --verifier-key), compared with that one through a channel the operator does not control');
        }
      }
      if (!report.ok) process.exitCode = 1;
    });
}
