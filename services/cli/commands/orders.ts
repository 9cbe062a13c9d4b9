import type { Command } from 'commander';
import { instantOf } from '../../../schemas/report-period.js';
import { ValidationError } from '../../errors.js';
import { withLedger } from '../with-ledger.js';
import { signWhatWasWritten } from '../sign-written.js';
import type { GlobalOptions } from '../global-options.js';
import { printable } from '../printable.js';
import { integerParser } from '../integer-option.js';

const STATUSES = ['open', 'overdue', 'confirmed', 'confirmed-late'];

/** `pdl orders`: deletion orders (README "Erasure that reaches every copy"). */
export function ordersCommand(program: Command, globals: () => GlobalOptions): void {
  const orders = program
    .command('orders')
    .description('deletion orders: one per system and recipient holding a subject\'s data when an erasure is due')
    .addHelpText('after', '\nExamples:\n  pdl orders issue\n  pdl orders issue --as-of 2027-01-31\n  pdl orders list --status overdue\n  pdl orders deliveries --state failed');

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

  orderDeliveriesCommand(orders, globals);
}

/** The delivery states, as `pdl orders deliveries --state` takes them. */
const DELIVERY_STATES = ['pending', 'delivered', 'failed', 'closed'];
const MAX_DELIVERIES = 10_000;

/** `pdl orders deliveries`: where each order stands on its channels (what `pdl serve --deliveries` keeps). */
export function orderDeliveriesCommand(orders: Command, globals: () => GlobalOptions): void {
  orders
    .command('deliveries')
    .description('list how deletion orders travel to their targets (pdl serve --deliveries): per order and channel, its state, attempts, last failure')
    .option('--state <state>', `only these (${DELIVERY_STATES.join(', ')}); default: all`)
    .option('--order <id>', 'one order\'s deliveries')
    .option('--limit <n>', 'at most this many, oldest first', integerParser(1, MAX_DELIVERIES, '100'), 100)
    .option('--json', 'one JSON object per line (never the payload: ids and states)')
    .addHelpText('after', '\nFailures are in the ledger\'s words (HTTP 500, ECONNREFUSED, timeout), never a receiver\'s answer, a URL or a secret.\n' +
      'failed: given up after the last attempt allowed — the order is a manual task (confirm it with a reference).\n\n' +
      'Examples:\n  pdl orders deliveries\n  pdl orders deliveries --state failed --json\n  pdl orders deliveries --order 9157f410-5bea-5ac8-b78f-af09eb75d351')
    .action(async (options: { state?: string; order?: string; limit: number; json?: boolean }) => {
      if (options.state !== undefined && !DELIVERY_STATES.includes(options.state)) throw new ValidationError(`--state: one of ${DELIVERY_STATES.join(', ')}`);
      const limit = options.limit;
      await withLedger(globals(), async (opened) => {
        const [{ openDeliveriesIf }, { DELIVERY_STATES: states }] = await Promise.all([import('../../composition/open-records.js'), import('../../records/delivery-store.js')]);
        const store = await openDeliveriesIf(opened, false);
        if (!store) {
          process.stderr.write('pdl: no delivery was ever kept for this ledger (pdl serve --deliveries FILE keeps them)\n');
          return;
        }
        try {
          const found = await store.list({
            limit, ...(options.order ? { orderIds: [options.order] } : {}), ...(options.state ? { states: states.filter((s) => s === options.state) } : {}),
          });
          for (const { payload: _payload, ...delivery } of found) {
            if (options.json) console.log(JSON.stringify(delivery));
            else {
              const when = delivery.state === 'delivered' ? `delivered ${delivery.deliveredAt}` : delivery.state === 'pending' ? `next ${delivery.nextAttemptAt}` : `last ${delivery.lastAttemptAt ?? '—'}`;
              console.log(printable(`${delivery.state.padEnd(10)} ${delivery.channel.padEnd(8)} ${delivery.target}  ${delivery.attempts} attempt(s)  ${when}  ${delivery.lastError ?? ''}  ${delivery.orderId}`.replace(/ {3,}/g, '  ')));
            }
          }
        } finally {
          await store.close();
        }
      });
    });
}
