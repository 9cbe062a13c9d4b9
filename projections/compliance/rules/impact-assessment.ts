/**
 * impact-assessment-missing (PIPL Art. 55–56): a transfer abroad, a share with a processor or a
 * third party, processing of a sensitive category, or an automated decision, with no impact
 * assessment recorded before it whose scope covers it and whose conclusion is not `not-acceptable`.
 */
import type { AssessmentState } from '../../impact-assessments/impact-assessments.js';
import type { ProjectedEvent } from '../../projection.js';
import { list, type ActContext, type ActRule } from '../violation.js';

/**
 * What about an act needs an assessment, and the values its scope must cover. `region` is where
 * the act puts the data: a transfer's toRegion, a share's recipient region (at home too), a
 * collection's storage region; a use moves nothing and has none. `recipientKind` likewise: only
 * shares and transfers have one.
 */
interface Assessable {
  readonly why: string[];
  readonly purposes: readonly string[];
  readonly categories: readonly string[];
  readonly recipientKind?: string;
  readonly region?: string;
  readonly automatedDecision: boolean;
}

function assessable({ event }: ProjectedEvent, context: ActContext): Assessable | null {
  if (event.type !== 'DataCollected' && event.type !== 'DataUsed' && event.type !== 'DataShared' && event.type !== 'DataTransferredAbroad') return null;
  const sensitiveCategories: readonly string[] = context.policy.document.sensitive.categories;
  const home: readonly string[] = context.policy.document.storage.regions;
  const why: string[] = [];
  const sensitive = event.data.categories.filter((c) => sensitiveCategories.includes(c));
  if (sensitive.length > 0) why.push(`it processes sensitive ${list(sensitive)}`);
  let recipientKind: string | undefined;
  let region: string | undefined;
  if (event.type === 'DataTransferredAbroad') {
    why.push(`it transfers data to ${event.data.toRegion}`);
    [recipientKind, region] = [event.data.recipient.kind, event.data.toRegion];
  } else if (event.type === 'DataShared') {
    const { kind, region: at } = event.data.recipient;
    if (kind === 'processor' || kind === 'third-party') why.push(`it gives data to a ${kind}`);
    if (!home.includes(at)) why.push(`it sends data to ${at}`);
    [recipientKind, region] = [kind, at];
  } else if (event.type === 'DataCollected') {
    region = event.data.storage.region;
  }
  const automatedDecision = event.type === 'DataUsed' && event.data.automatedDecision === true;
  if (automatedDecision) why.push('it makes an automated decision');
  if (why.length === 0) return null;
  const purposes = event.type === 'DataCollected' ? event.data.purposes : [event.data.purpose];
  return { why, purposes, categories: event.data.categories, recipientKind, region, automatedDecision };
}

/**
 * README: "a scope field left out covers any value". A field it names covers an act only when every
 * value the act has there is named; an act with no value there (a use has no region, a collection
 * no recipient) is not covered by a scope that names one.
 */
const within = (named: readonly string[] | undefined, values: readonly string[]) => named === undefined || values.every((v) => named.includes(v));
const names = (named: readonly string[] | undefined, value: string | undefined) => named === undefined || (value !== undefined && named.includes(value));

export function scopeCovers({ scope }: AssessmentState, act: Assessable): boolean {
  return within(scope.purposes, act.purposes) && within(scope.categories, act.categories)
    && names(scope.recipientKinds, act.recipientKind)
    && names(scope.toRegions, act.region)
    && (scope.automatedDecision === undefined || scope.automatedDecision === act.automatedDecision);
}

export const impactAssessmentMissing: ActRule = (projected, context) => {
  if (!context.policy.document.impactAssessment.required) return [];
  const act = assessable(projected, context);
  if (!act) return [];
  const { event } = projected;
  // Recorded before it: an assessment of the same second is not "before".
  const relevant = context.assessments().filter((a) => a.completedAt < event.occurredAt && scopeCovers(a, act));
  if (relevant.some((a) => a.conclusion !== 'not-acceptable')) return [];
  const refused = relevant.filter((a) => a.conclusion === 'not-acceptable');
  return [{
    subjectId: event.subject?.id ?? null,
    eventIds: [event.id, ...refused.map((a) => a.eventId)],
    message: `${event.type} on ${event.occurredAt} needs an impact assessment (${act.why.join('; ')}): ` +
      (refused.length > 0 ? `the one that covers it concluded "not-acceptable".` : 'none recorded before it covers it.'),
  }];
};
