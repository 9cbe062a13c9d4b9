/**
 * What a target receives of a deletion order (README "Erasure that reaches every copy"): the same
 * JSON as the body of a signed webhook and as the value of a message on the orders topic. It names
 * ids and categories only — the subject's pseudonymous id, never an identifier or a value: the target
 * looks the subject up in its own records, and a leaked order tells nobody who the person is.
 */
import * as z from 'zod';
import { Key, Timestamp } from './envelope.js';
import { DataCategory } from './taxonomy.js';
import { DeletionOrderReason, DeletionTarget } from './events/deletion-orders.js';

/** The Standard Webhooks `type` of an order, and the topic's default. */
export const DELETION_ORDER_MESSAGE_TYPE = 'pdl.deletion-order';
export const DEFAULT_ORDERS_TOPIC = 'pdl.deletion-orders';

/** The headers each message on the orders topic carries, named once (a consumer picks its own orders by `pdl-target`). */
export const ORDER_HEADER_NAMES = {
  orderId: 'pdl-order-id',
  target: 'pdl-target',
  type: 'pdl-message-type',
} as const;

export const DeletionOrderMessage = z.strictObject({
  type: z.literal(DELETION_ORDER_MESSAGE_TYPE),
  /** When the message was made: the first attempt's moment (a retry sends the very same bytes). */
  timestamp: Timestamp,
  data: z.strictObject({
    orderId: Key.describe('the order: quote it when confirming (DeletionConfirmed.data.orderId); a repeat of a message carries the same id'),
    /** The DeletionOrdered event, provable with the ledger's inclusion proofs. */
    eventId: Key,
    subjectId: Key.describe('the subject\'s pseudonymous id, as the target knows it: never an e-mail, phone number or any value'),
    target: DeletionTarget,
    categories: z.array(DataCategory).min(1),
    reason: DeletionOrderReason,
    cause: Key.describe('the request id or event id the order serves'),
    causedAt: Timestamp,
    dueBy: Timestamp.describe('confirm by then: the period runs from the cause'),
    orderedAt: Timestamp,
  }),
}).meta({
  title: 'DeletionOrderMessage',
  description: 'A deletion order as delivered to its target (webhook body and orders-topic value): ids and categories only, never a personal value.',
});
export type DeletionOrderMessage = z.infer<typeof DeletionOrderMessage>;
