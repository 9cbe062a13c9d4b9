/** `subjectAccess`: what we hold about a person, why, since when, from where, who got it, until when. */
import { normaliseIdentifier } from '../../../schemas/identifiers.js';
import { dataCategories, labelOf } from '../../../schemas/taxonomy.js';
import { consentStatus } from '../../../projections/consents/consents.js';
import type { CategoryState } from '../../../projections/subject-profile/categories.js';
import { requestView } from '../../../projections/subject-requests/subject-requests.js';
import { ValidationError } from '../../errors.js';
import type { ApiContext } from '../context.js';
import { eventConnection } from './event-connection.js';
import { proofOfEvents } from './proofs.js';
import { subjectOrders } from './orders.js';

interface Args { subjectId?: string | null; identifier?: { kind: string; value: string } | null }

export async function resolveSubjectId(context: ApiContext, args: Args): Promise<string | null> {
  if (args.subjectId) return args.subjectId;
  if (!args.identifier) throw new ValidationError('give subjectId or identifier');
  // "Does this e-mail belong to someone?" reveals a value: only for roles that may see values, and bounded.
  context.require('lookUpByIdentifier');
  context.lookups.take(context.principal.keyId, 'identifier look-ups');
  const kind = args.identifier.kind.trim().toLowerCase();
  const normalised = normaliseIdentifier(kind, args.identifier.value);
  if (normalised === null) throw new ValidationError(`identifier: not a valid ${kind}`);
  return (await context.subjectsByIdentifier(kind, normalised))[0] ?? null;
}

export async function subjectAccess(_: unknown, args: Args, context: ApiContext) {
  context.require('subjectAccess');
  const subjectId = await resolveSubjectId(context, args);
  if (subjectId === null) return null;
  const subject = context.readModels.subject(subjectId);
  if (!subject) return null;
  const categories = context.readModels.categories(subjectId);
  const now = context.now();
  return {
    subjectId,
    erased: subject.erasedAt !== null,
    erasedAt: subject.erasedAt,
    eventsAfterErasure: subject.eventsAfterErasure,
    firstSeenAt: subject.firstSeenAt,
    lastSeenAt: subject.lastSeenAt,
    purposes: [...new Set(categories.flatMap((c) => c.purposes))].sort(),
    categories: () => categories.map((c) => heldCategory(context, subjectId, c)),
    recipients: () => context.readModels.recipients(subjectId).map((r) => ({ ...r, firstShared: r.firstSharedAt, lastShared: r.lastSharedAt })),
    transfers: () => context.readModels.transfers(subjectId),
    consents: () => context.readModels.consents(subjectId).map((c) => ({
      // An erased subject's consent no longer stands for anything held: it ended with the erasure.
      ...c, status: subject.erasedAt !== null && consentStatus(c) !== 'withdrawn' && consentStatus(c) !== 'refused' ? 'ended-by-erasure' : consentStatus(c),
      withdrawals: c.withdrawals.map((w) => ({ at: w.at, eventId: w.eventId, all: w.purposes === 'all', purposes: w.purposes === 'all' ? null : w.purposes })),
    })),
    requests: () => context.readModels.requests(subjectId)
      .map((r) => ({ ...r, ...requestView(r, r.receivedAt ? context.compliance.deadline(r.receivedAt) : null, now.toISOString()) })),
    accessLog: () => context.readModels.accessLog(subjectId),
    deletionOrders: () => subjectOrders(context, subjectId),
    automatedDecisions: () => context.readModels.accessLog(subjectId).filter((entry) => entry.action === 'decided'),
    proof: () => proofOfEvents(context, { subjectId }),
    timeline: ({ first, after }: { first?: number | null; after?: string | null }) => eventConnection(context, { subjectId }, first, after, 'subjectAccess.timeline'),
  };
}

function heldCategory(context: ApiContext, subjectId: string, state: CategoryState & { category: string }) {
  return {
    ...state,
    label: labelOf(dataCategories, state.category),
    value: () => valueOf(context, subjectId, state),
  };
}

async function valueOf(context: ApiContext, subjectId: string, state: CategoryState & { category: string }): Promise<string | null> {
  if (!context.may('revealValues') || state.status !== 'held' || state.valuePosition === null) return null;
  const [recorded] = await context.log.readPositions([state.valuePosition]);
  if (!recorded) return null;
  const event = await context.reveal(recorded);
  const values = 'values' in event.data && event.data.values ? Object.entries(event.data.values) : [];
  const value = values.find(([category]) => category === state.category)?.[1] ?? null;
  if (value !== null) context.views.viewed(subjectId, [state.category], 'subjectAccess');
  return value;
}
