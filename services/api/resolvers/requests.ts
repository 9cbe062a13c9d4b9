/** The requests inbox: subject requests by status and deadline, the kinds a request may be of and the reasons it may be refused for. */
import { refusalReasons, requestKinds } from '../../../schemas/taxonomy.js';
import { requestView } from '../../../projections/subject-requests/subject-requests.js';
import { ValidationError } from '../../errors.js';
import type { ApiContext } from '../context.js';

/** The taxonomy's request kinds, for a form to offer. */
export function requestKindTerms(): { term: string; label: string }[] {
  return Object.entries(requestKinds).map(([term, { label }]) => ({ term, label }));
}

/** The taxonomy's refusal reasons, for a refusal to name one. */
export function refusalReasonTerms(): { term: string; label: string }[] {
  return Object.entries(refusalReasons).map(([term, { label }]) => ({ term, label }));
}

/** The requests inbox: every request with its deadline and status as of now, the overdue first, then by deadline. */
export function requestsInbox(_: unknown, args: { status?: string | null; first?: number | null; offset?: number | null }, context: ApiContext) {
  context.require('subjectRequests');
  const first = args.first ?? 100;
  if (first < 0 || first > 500) throw new ValidationError('first must be between 0 and 500');
  const offset = args.offset ?? 0;
  if (offset < 0) throw new ValidationError('offset must be 0 or more');
  if (args.status && !['open', 'overdue', 'completed'].includes(args.status)) throw new ValidationError('status: open, overdue or completed');
  const now = context.now().toISOString();
  return context.readModels.allRequests()
    .map((r) => ({ ...r, ...requestView(r, r.receivedAt ? context.compliance.deadline(r.receivedAt) : null, now) }))
    .filter((r) => (args.status ? r.status === args.status : r.status !== 'completed'))
    .sort((a, b) => Number(b.status === 'overdue') - Number(a.status === 'overdue') || (a.deadline ?? '').localeCompare(b.deadline ?? ''))
    .slice(offset, offset + first);
}

