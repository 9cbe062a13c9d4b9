import type { Command } from 'commander';
import { userInfo } from 'node:os';
import { v7 as uuidv7 } from 'uuid';
import { deletionReasons } from '../../../schemas/taxonomy.js';
import { withLedger } from '../with-ledger.js';
import type { GlobalOptions } from '../global-options.js';
import { printable } from '../printable.js';

export function eraseCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('erase')
    .description("erase a subject: record SubjectErased and destroy the subject's data key and blind-index entries")
    .argument('<subject>', 'the subject id')
    .requiredOption('--reason <reason>', `why (${Object.keys(deletionReasons).join(', ')})`)
    .option('--request <id>', 'the subject request this fulfils')
    .option('--actor <id>', 'who erases, recorded as an employee: an identifier such as a staff id, never an e-mail (default: operator:<login>)', defaultActor())
    .addHelpText('after', '\nIdempotent. The ledger still verifies afterwards; the values are gone for good.')
    .action(async (subject: string, options: { reason: string; request?: string; actor: string }) => {
      await withLedger(globals(), async ({ ledger, keys }) => {
        const wasErased = keys.isErased(subject);
        const result = await ledger.record([{
          id: uuidv7(),
          type: 'SubjectErased',
          occurredAt: new Date().toISOString(),
          subject: { id: subject },
          actor: { kind: 'employee', id: options.actor },
          data: { reason: options.reason, ...(options.request ? { requestId: options.request } : {}) },
        }]);
        const outcome = result.outcomes[0]!;
        if (outcome.status === 'rejected') {
          for (const error of outcome.errors) console.error(printable(`pdl erase: ${error.path}: ${error.message}`));
          process.exitCode = 2;
          return;
        }
        console.log(`${printable(subject)} erased${wasErased ? ' (again; it had been erased before)' : ''}: SubjectErased at position ${outcome.position}; data keys and blind-index entries destroyed.`);
      });
    });
}

/** The operator's login as an actor id: stored in clear, so an identifier, never an address. */
function defaultActor(): string {
  const login = userInfo().username.replace(/[^A-Za-z0-9._~-]/g, '-').slice(0, 100) || 'unknown';
  return `operator:${login}`;
}
