import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { jsonErrorMessage, printable } from '../printable.js';

export function validateCommand(program: Command): void {
  program
    .command('validate')
    .description('check events from an NDJSON file against the contract, without recording them (no ledger needed)')
    .argument('<file>', 'NDJSON file of events, or - for standard input')
    .option('--json', 'print the outcome of every line as JSON instead of a summary')
    .addHelpText('after', '\nThe same checks the ledger makes on every entry path (the JSON Schema in schemas/json/ says the same, where\n' +
      'JSON Schema can). Exit status: 0 when every line is a valid event, 1 when any is not (each problem listed by JSON path).')
    .action(async (file: string, options: { json?: boolean }) => {
      const { validateEvent } = await import('../../../schemas/event.js');
      const lines = createInterface({ input: file === '-' ? process.stdin : createReadStream(file), crlfDelay: Infinity });
      let [line, valid, invalid] = [0, 0, 0];
      for await (const text of lines) {
        line += 1;
        if (text.trim() === '') continue;
        let errors: { path: string; message: string }[];
        try {
          const validation = validateEvent(JSON.parse(text));
          errors = validation.ok ? [] : validation.errors;
        } catch (error) {
          errors = [{ path: '(root)', message: error instanceof SyntaxError ? jsonErrorMessage(error) : 'not JSON' }];
        }
        if (errors.length === 0) valid += 1;
        else invalid += 1;
        if (options.json) console.log(JSON.stringify({ line, valid: errors.length === 0, errors }));
        else for (const error of errors) console.log(printable(`line ${line}: ${error.path}: ${error.message}`));
      }
      if (!options.json) console.log(`${valid} valid, ${invalid} invalid`);
      if (invalid > 0) process.exitCode = 1;
    });
}
