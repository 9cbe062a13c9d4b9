/**
 * Deletion orders (README "Erasure that reaches every copy"): the orders still to be confirmed,
 * overdue first in their due order, one target's or one subject's; the targets and what each
 * still owes; how each order travels (its webhook, the orders topic, attempts and failures) — and
 * a manual task, for a target no channel reaches, closed here by a dpo with a reference recorded
 * as evidence. Ids and categories only: nothing on this page is a personal value.
 */
import { gql, type Me } from './api.js';
import { day, h, link, table } from './dom.js';

interface Delivery { channel: string; state: string; attempts: number; lastError: string | null; nextAttemptAt: string | null; deliveredAt: string | null }
interface Order {
  orderId: string; subjectId: string; target: { kind: string; id: string }; categories: string[]; reason: string; cause: string; dueBy: string;
  status: string; confirmedAt: string | null; reference: string | null; manualTask: boolean; deliveries: Delivery[];
}

const STATUSES: [string, string][] = [['', 'To confirm'], ['overdue', 'Overdue'], ['confirmed', 'Confirmed'], ['confirmed-late', 'Confirmed late'], ['all', 'All']];
const targetOf = (order: Order) => `${order.target.kind}:${order.target.id}`;
const attempts = (n: number) => `${n} attempt${n === 1 ? '' : 's'}`;

function hrefOf(filter: { status?: string; target?: string; subject?: string }): string {
  const query = new URLSearchParams(Object.entries(filter).filter((entry): entry is [string, string] => Boolean(entry[1])));
  const text = query.toString();
  return `#/orders${text ? `?${text}` : ''}`;
}

/** How an order travels, in a line per channel: never the receiver's answer, the ledger's word for a failure. */
function deliveryText(order: Order): string {
  if (order.deliveries.length === 0) return order.manualTask ? 'manual task: no channel reaches this target' : 'waiting to be sent';
  const lines = order.deliveries.map((d) => {
    switch (d.state) {
      case 'delivered': return `${d.channel}: delivered ${day(d.deliveredAt)} (${attempts(d.attempts)})`;
      case 'failed': return `${d.channel}: given up after ${attempts(d.attempts)} (${d.lastError ?? '?'})`;
      case 'closed': return `${d.channel}: not sent, confirmed first`;
      default: return d.lastError
        ? `${d.channel}: retrying (${d.lastError}, ${attempts(d.attempts)}; next ${d.nextAttemptAt ?? '—'})`
        : `${d.channel}: sending`;
    }
  });
  return `${lines.join('; ')}${order.manualTask ? ' — manual task' : ''}`;
}

async function confirm(orderId: string, reference: string): Promise<void> {
  await gql<{ confirmDeletionOrder: { status: string } }>(
    'mutation($o: ID!, $r: String!) { confirmDeletionOrder(orderId: $o, reference: $r) { status } }', { o: orderId, r: reference });
}

/** A manual task's row: the reference (a ticket, a message id) and the button that records the confirmation. */
function confirmForm(order: Order, problem: HTMLElement): HTMLElement {
  const short = order.orderId.slice(0, 8);
  const input = h('input', { type: 'text', 'aria-label': `Reference for order ${short}`, placeholder: 'ticket or message id', required: true, maxlength: '200' }) as HTMLInputElement;
  return h('form', { 'aria-label': `Confirm order ${short}`, onsubmit: (event) => {
    event.preventDefault();
    problem.textContent = '';
    void confirm(order.orderId, input.value.trim()).then(() => location.reload(),
      (failure: unknown) => { problem.textContent = failure instanceof Error ? failure.message : String(failure); });
  } }, input, ' ', h('button', { type: 'submit', class: 'secondary' }, `Confirm ${short}`));
}

export async function ordersPage(me: Me, query: URLSearchParams): Promise<HTMLElement> {
  const status = query.get('status') ?? '';
  const target = query.get('target') ?? '';
  const subject = query.get('subject') ?? '';
  const { deletionOrders: orders } = await gql<{ deletionOrders: Order[] }>(`query($s: String, $t: String, $subject: ID) {
    deletionOrders(status: $s, target: $t, subjectId: $subject, first: 500) {
      orderId subjectId target { kind id } categories reason cause dueBy status confirmedAt reference manualTask
      deliveries { channel state attempts lastError nextAttemptAt deliveredAt } } }`, { s: status || null, t: target || null, subject: subject || null });
  // Overdue first, each group soonest due first (the API's order within it).
  const shown = [...orders.filter((o) => o.status === 'overdue'), ...orders.filter((o) => o.status !== 'overdue')];
  const problem = h('p', { class: 'error', role: 'alert' });
  const statusLinks = STATUSES.map(([value, label]) => link(hrefOf({ status: value, target, subject }), label, value === status ? { 'aria-current': 'page' } : {}));
  const targets = [...new Set(orders.map(targetOf))].sort();
  const byTarget = targets.map((key) => {
    const mine = orders.filter((o) => targetOf(o) === key);
    return [link(hrefOf({ status, target: key, subject }), key), String(mine.length), String(mine.filter((o) => o.status === 'overdue').length),
      String(mine.filter((o) => o.manualTask && o.confirmedAt === null).length),
      String(mine.filter((o) => o.deliveries.some((d) => d.state === 'failed' || (d.state === 'pending' && d.lastError !== null))).length)];
  });
  const scope = [target ? `target ${target}` : '', subject ? `subject ${subject}` : ''].filter(Boolean).join(', ');
  return h('section', {}, h('h1', {}, 'Orders'),
    h('p', { class: 'muted' }, 'Deletion orders: each system and recipient the ledger saw a subject\'s data go to, ordered to delete it when an erasure is due.'),
    h('p', {}, 'Show: ', statusLinks.flatMap((a) => [a, ' ']), scope ? h('span', {}, `— ${scope} `, link(hrefOf({ status }), 'show every target and subject')) : null),
    problem,
    table('By target', ['target', 'orders', 'overdue', 'manual tasks', 'delivery failing'], byTarget, 'no order.'),
    table('Orders', ['status', 'due', 'subject', 'target', 'categories', 'cause', 'delivery', ''],
      shown.map((o) => [o.status, day(o.dueBy), link(`#/subject/${encodeURIComponent(o.subjectId)}`, o.subjectId),
        link(hrefOf({ status, target: targetOf(o), subject }), targetOf(o)), o.categories.join(', '), `${o.reason} ${o.cause}`,
        deliveryText(o) + (o.reference ? ` — confirmed: ${o.reference}` : ''),
        me.mayRecordPrivileged && o.manualTask && o.confirmedAt === null ? confirmForm(o, problem) : '']),
      status === '' ? 'nothing to confirm.' : 'none.'));
}
