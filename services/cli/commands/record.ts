import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import type { RecordOutcome } from '../../ledger/ledger.js';
import { progress } from '../progress.js';
import { withLedger } from '../with-ledger.js';
import { signWhatWasWritten } from '../sign-written.js';
import type { GlobalOptions } from '../global-options.js';
import { jsonErrorMessage, printable } from '../printable.js';

const BATCH = 1000;

export function recordCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('record')
    .description('record events from an NDJSON file (one event per line; - reads standard input)')
    .argument('<file>', 'NDJSON file of events, or - for standard input')
    .option('--json', 'print the outcome of every line as JSON instead of a summary')
    .addHelpText('after', '\nExit status: 0 when every event was appended or was a duplicate, 1 when any was rejected.\n' +
      'Every rejected line is listed with each of its problems by JSON path; valid lines are stored regardless.\n' +
      'The summary names the highest position written: a read asking for at least it (the PDL-At-Least header) sees every event.\n' +
      'What was appended is then covered by a signed checkpoint when the signing key is at hand (PDL_SIGNING_KEY, --signing-key);\n' +
      'else one line says the new events are unsigned until a signer runs.')
    .action(async (file: string, options: { json?: boolean }) => {
      const rejected = await withLedger(globals(), async (opened) => {
        const { ledger } = opened;
        const input = file === '-' ? process.stdin : createReadStream(file);
        const lines = createInterface({ input, crlfDelay: Infinity });
        const bar = progress('recording', null);
        const totals = { appended: 0, duplicates: 0, rejected: 0 };
        // The highest position written or found: what a read asks to see at least (PDL-At-Least) to see all of it.
        let through: number | null = null;
        const problems: string[] = [];
        let batch: { line: number; value: unknown }[] = [];
        let lineNumber = 0;

        const flush = async () => {
          const parsed = batch.filter((entry) => !(entry.value instanceof SyntaxError));
          const result = await ledger.record(parsed.map((entry) => entry.value));
          if (result.position !== null) through = Math.max(through ?? 0, result.position);
          const byLine = new Map<number, RecordOutcome | SyntaxError>();
          result.outcomes.forEach((outcome, i) => byLine.set(parsed[i]!.line, outcome));
          for (const entry of batch) if (entry.value instanceof SyntaxError) byLine.set(entry.line, entry.value);
          for (const [line, outcome] of [...byLine].sort(([a], [b]) => a - b)) {
            if (outcome instanceof SyntaxError) {
              totals.rejected += 1;
              problems.push(`line ${line}: (root): ${jsonErrorMessage(outcome)}`);
              if (options.json) console.log(JSON.stringify({ line, status: 'rejected', errors: [{ path: '(root)', message: jsonErrorMessage(outcome) }] }));
              continue;
            }
            if (outcome.status === 'appended') totals.appended += 1;
            else if (outcome.status === 'duplicate') totals.duplicates += 1;
            else {
              totals.rejected += 1;
              for (const error of outcome.errors) problems.push(`line ${line}${outcome.id ? ` (${outcome.id})` : ''}: ${error.path}: ${error.message}`);
            }
            if (options.json) console.log(JSON.stringify({ line, ...outcome, index: undefined }));
          }
          batch = [];
          bar.update(lineNumber, `(${totals.appended.toLocaleString('en')} appended, ${totals.rejected.toLocaleString('en')} rejected)`);
        };

        for await (const text of lines) {
          lineNumber += 1;
          if (text.trim() === '') continue;
          let value: unknown;
          try {
            value = JSON.parse(text);
          } catch (error) {
            value = error instanceof SyntaxError ? error : new SyntaxError(String(error));
          }
          batch.push({ line: lineNumber, value });
          if (batch.length >= BATCH) await flush();
        }
        if (batch.length > 0) await flush();
        bar.finish();
        if (!options.json) {
          console.log(`appended ${totals.appended}, duplicates ${totals.duplicates}, rejected ${totals.rejected}${through === null ? '' : ` (through position ${through})`}`);
          for (const problem of problems) console.log(`  ${printable(problem)}`);
        }
        await signWhatWasWritten(opened, globals(), totals.appended);
        return totals.rejected;
      });
      if (rejected > 0) process.exitCode = 1;
    });
}
