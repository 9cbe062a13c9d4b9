/**
 * Deletion orders (README "Erasure that reaches every copy"): the ledger's own order to one
 * system or recipient that holds a subject's data to delete it, and the confirmation that closes
 * it. An order names ids and categories only, never a value: the target looks the subject up itself.
 */
import * as z from 'zod';
import { Key, Timestamp } from '../envelope.js';
import { DataCategory } from '../taxonomy.js';
import { defineEvent, nonEmpty, text } from './define.js';

export const DeletionOrderReason = z.enum(['erasure-request', 'subject-erased', 'retention-ended', 'shutdown', 'consent-withdrawn'], {
  error: (issue) => `unknown deletion-order reason ${JSON.stringify(issue.input)}`,
});
export type DeletionOrderReason = z.infer<typeof DeletionOrderReason>;

export const DeletionTargetKind = z.enum(['system', 'recipient'], {
  error: (issue) => `unknown deletion target kind ${JSON.stringify(issue.input)} (system or recipient)`,
});

/** Who holds the copy: a system named by DataCollected/DataUsed, or a recipient named by DataShared/DataTransferredAbroad. */
export const DeletionTarget = z.strictObject({ kind: DeletionTargetKind, id: Key });
export type DeletionTarget = z.infer<typeof DeletionTarget>;

/**
 * Written by the ledger itself, never by a caller (services/ledger/ledger.ts refuses it from
 * anyone else): a forged order would say an erasure reached a copy it never reached.
 */
export const DeletionOrdered = defineEvent(
  'DeletionOrdered',
  z.strictObject({
    orderId: Key,
    target: DeletionTarget,
    categories: nonEmpty(DataCategory, 'category'),
    reason: DeletionOrderReason,
    /** The request id or event id the order serves: one order per cause and target, ever. */
    cause: Key,
    /** When the cause arose (the request received, the retention's end, the shutdown taking effect…): the clock of dueBy. */
    causedAt: Timestamp,
    dueBy: Timestamp,
  }),
  'required',
  'The ledger ordered one system or recipient holding the subject\'s data to delete these categories (recorded by the ledger itself; ids and categories only, never a value).',
  { knownSubject: true },
);

/**
 * A target confirms an order (a recipient's answer, or a manual task closed by a dpo with its
 * evidence). For a system, a DataDeleted naming it confirms as well.
 */
export const DeletionConfirmed = defineEvent(
  'DeletionConfirmed',
  z.strictObject({
    orderId: Key,
    /** The evidence: a ticket, a message id, a deletion receipt — a reference, never a personal value. */
    reference: text(200),
    /** Who vouches for the deletion: the target's own id, or the staff member or key that closed a manual task. */
    confirmedBy: Key,
  }),
  'required',
  'A system or recipient confirmed a deletion order (or a dpo closed it as a manual task), with a reference as evidence.',
  { knownSubject: true },
);
