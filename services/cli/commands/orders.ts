import type { Command } from 'commander';
import { instantOf } from '../../../schemas/report-period.js';
import { ValidationError } from '../../errors.js';
import { withLedger } from '../with-ledger.js';
import { signWhatWasWritten } from '../sign-written.js';
import type { GlobalOptions } from '../global-options.js';
import { printable } from '../printable.js';

const STATUSES = ['open', 'overdue', 'confirmed', 'confirmed-late'];

/** `pdl orders`: deletion orders (README "Erasure that reaches every copy"). */
export function ordersCommand(program: Command, globals: () => GlobalOptions): void {
  const orders = program
    .command('orders')
    .description('deletion orders: one per system and recipient holding a subject\'s data when an erasure is due')
    .addHelpText('after', '\nExamples:\n  pdl orders issue\n  pdl orders issue --as-of 2027-01-31\n  pdl orders list --status overdue');

  orders
    .command('issue')
    .description('record the deletion orders that are due (pdl serve does this on its own, after appends and every --orders-interval)')
    .option('--as-of <time>', 'which causes have arisen by this moment (a retention ended, a shutdown in effect); default now. Due dates always run from the cause')
    .addHelpText('after', '\nIdempotent: an order\'s id is derived from its subject, cause and target, so running it twice (or in two\n' +
      'processes) orders nothing twice. Orders name ids and categories only, never a value.\n\n' +
      'Examples:\n  pdl orders issue\n  pdl orders issue --as-of 2027-01-31T00:00:00Z')
    .action(async (options: { asOf?: string }) => {
      const asOf = options.asOf === undefined ? undefined : instantOf(options.asOf, 'end', '--as-of');
      await withLedger(globals(), async (opened) => {
        const { issueDeletionOrders } = await import('../../orders/issue-orders.js');
        const result = await issueDeletionOrders(opened.ledger, opened.readModelsDb, asOf === undefined ? {} : { asOf });
        console.log(`deletion orders: ${result.appended} issued, ${result.alreadyOrdered} already in the ledger, ${result.rejected.length} refused.`);
        for (const refused of result.rejected) {
          for (const error of refused.errors) console.error(printable(`pdl orders issue: order ${refused.orderId}: ${error.path}: ${error.message}`));
        }
        if (result.rejected.length > 0) process.exitCode = 2;
        await signWhatWasWritten(opened, globals(), result.appended);
      }, { readModels: true });
    });

  orders
    .command('list')
    .description('list deletion orders with where they stand: open, overdue, confirmed, confirmed-late')
    .option('--status <status>', `only these (${STATUSES.join(', ')}); default: open and overdue`)
    .option('--subject <id>', 'one subject\'s orders')
    .option('--as-of <time>', 'where they stood at this moment (default now)')
    .option('--json', 'one JSON object per line')
    .addHelpText('after', '\nExamples:\n  pdl orders list\n  pdl orders list --status overdue --json\n  pdl orders list --subject u-1842 --status confirmed')
    .action(async (options: { status?: string; subject?: string; asOf?: string; json?: boolean }) => {
      if (options.status !== undefined && !STATUSES.includes(options.status)) throw new ValidationError(`--status: one of ${STATUSES.join(', ')}`);
      const asOf = options.asOf === undefined ? new Date().toISOString() : instantOf(options.asOf, 'end', '--as-of');
      await withLedger(globals(), async ({ readModelsDb }) => {
        const { readOrders } = await import('../../../projections/deletion-orders/order-status.js');
        const wanted = (status: string) => (options.status === undefined ? status === 'open' || status === 'overdue' : status === options.status);
        for (const order of readOrders(readModelsDb, asOf, options.subject).filter((o) => wanted(o.status))) {
          if (options.json) console.log(JSON.stringify(order));
          else console.log(printable(`${order.status.padEnd(14)} due ${order.dueBy}  ${order.subjectId}  ${order.target.kind}:${order.target.id}  ${order.categories.join(',')}  ${order.reason} ${order.cause}  ${order.orderId}`));
        }
      }, { readModels: true });
    });
}
