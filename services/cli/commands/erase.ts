import type { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import { v7 as uuidv7 } from 'uuid';
import { validateEvent } from '../../../schemas/event.js';
import { deletionReasons } from '../../../schemas/taxonomy.js';
import { ValidationError } from '../../errors.js';
import { withLedger } from '../with-ledger.js';
import { signWhatWasWritten } from '../sign-written.js';
import type { GlobalOptions } from '../global-options.js';
import { printable } from '../printable.js';
import { operatorActorId } from '../../composition/operator.js';

export function eraseCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('erase')
    .description("erase a subject: record SubjectErased and destroy the subject's data key and blind-index entries")
    .argument('<subject>', 'the subject id')
    .requiredOption('--reason <reason>', `why (${Object.keys(deletionReasons).join(', ')})`)
    .option('--request <id>', 'the subject request this fulfils')
    .option('--actor <id>', 'who erases, recorded as an employee: an identifier such as a staff id, never an e-mail', operatorActorId())
    .option('--force', 'record the erasure even if the ledger holds nothing about this subject')
    .option('--yes', 'do not ask for confirmation on a terminal')
    .option('--json', 'print { subject, erased, position } as JSON (erased false: it was erased before, nothing recorded)')
    .addHelpText('after', '\nErasing an erased subject changes nothing and says so. A subject unknown to the ledger is refused\n' +
      '(a typo would otherwise be "erased"), unless --force. On a terminal it asks first; --yes skips that.\n' +
      'The ledger still verifies afterwards; the values are gone for good.')
    .action(async (subject: string, options: { reason: string; request?: string; actor: string; force?: boolean; yes?: boolean; json?: boolean }) => {
      await withLedger(globals(), async (opened) => {
        const { ledger, keys, store } = opened;
        const erasure = {
          id: uuidv7(),
          type: 'SubjectErased',
          occurredAt: new Date().toISOString(),
          subject: { id: subject },
          actor: { kind: 'employee', id: options.actor },
          data: { reason: options.reason, ...(options.request ? { requestId: options.request } : {}) },
        };
        const validation = validateEvent(erasure);
        if (!validation.ok) {
          for (const error of validation.errors) console.error(printable(`pdl erase: ${error.path}: ${error.message}`));
          process.exitCode = 2;
          return;
        }
        if (await keys.isErased(subject)) {
          if (options.json) return void console.log(JSON.stringify({ subject, erased: false, position: null }));
          console.log(`${printable(subject)} was erased before: its keys are already destroyed, so erasing it again changes nothing (nothing recorded).`);
          return;
        }
        const seen = (await store.readStream(`subject-${subject}`, { limit: 1 })).length > 0;
        if (!seen && !options.force) {
          throw new ValidationError(`the ledger holds nothing about subject ${printable(subject.slice(0, 128))}: nothing to erase (check the id; --force records the erasure anyway)`);
        }
        if (process.stdin.isTTY && process.stdout.isTTY && !options.yes && !(await confirm(`Erase ${printable(subject)}? Its values become unreadable for good. [y/N] `))) {
          console.log('not erased.');
          return;
        }
        const result = await ledger.record([erasure]);
        const outcome = result.outcomes[0]!;
        if (outcome.status === 'rejected') {
          for (const error of outcome.errors) console.error(printable(`pdl erase: ${error.path}: ${error.message}`));
          process.exitCode = 2;
          return;
        }
        if (options.json) console.log(JSON.stringify({ subject, erased: true, position: outcome.position }));
        else console.log(`${printable(subject)} erased: SubjectErased at position ${outcome.position}; data keys and blind-index entries destroyed.`);
        await signWhatWasWritten(opened, globals(), result.appended);
      });
    });
}

async function confirm(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await prompt.question(question)).trim());
  } finally {
    prompt.close();
  }
}
