/**
 * The words a person reads in their package for what the ledger records as ids: who acted (an
 * actor kind, never a staff member's key id) and through what (an API operation's name).
 */
import { actorKinds, labelOf } from '../../schemas/taxonomy.js';

/** What each read of the API and the command line is, said to the person read about. */
const OPERATIONS: Readonly<Record<string, string>> = {
  subjectAccess: 'your record, opened by staff',
  'subjectAccess.timeline': 'the history of your record, opened by staff',
  exportSubject: 'a copy of your data prepared (a package like this one)',
  events: 'a search through the ledger\'s events',
  event: 'one event of your record, opened by staff',
  'cli.events': 'a search through the ledger\'s events, on the operator\'s command line',
  'cli.export': 'a copy of your data prepared on the operator\'s command line',
};

/** Who acted, in words: the kind of actor, and a system's name (a system is not a person); staff keys stay in the ledger. */
export function actorLabel(actor: { readonly kind: string; readonly id: string }, subjectId: string): string {
  if (actor.kind === 'subject') return actor.id === subjectId ? 'You' : labelOf(actorKinds, actor.kind);
  if (actor.kind === 'system') return `System ${actor.id}`;
  if (actor.kind === 'employee') return 'A member of staff';
  return labelOf(actorKinds, actor.kind);
}

/** What an access was, in words: a read through the API named by its operation, a use by its system, a share by its recipient. */
export function accessLabel(action: string, target: string): string {
  if (action === 'viewed') return OPERATIONS[target] ?? 'your data, read through the ledger';
  if (action === 'decided') return `a decision made by system ${target}`;
  if (action === 'used') return `used in system ${target}`;
  if (action === 'shared') return `shared with ${target}`;
  if (action === 'transferred-abroad') return `transferred abroad to ${target}`;
  return `${action} ${target}`;
}
