/**
 * The policy in force at a moment: the published version with the latest `effectiveFrom` not
 * after it (the later publication wins a tie), else the built-in default. One rule, for the read
 * models (policyAt) and for logic folded in memory (policyFrom).
 */
import { defaultPolicy, DEFAULT_POLICY_VERSION } from '../../schemas/default-policy.js';
import type { PolicyDocument, PolicyWithLaw } from '../../schemas/policy.js';
import { policies, type PolicyState } from './policies.js';
import type { Key } from '../projection.js';
import { contextOf, slot, statement, type ReadSource } from '../projection-context.js';

export interface PolicyInForce {
  readonly version: string;
  readonly document: PolicyWithLaw;
  readonly eventId: string | null;
}

/** What choosing a policy needs to know of each published version. */
export interface PublishedPolicy {
  readonly version: string;
  readonly effectiveFrom: string;
  readonly lastPosition: number;
}

/**
 * Which published version is in force at `at`: the one with the latest `effectiveFrom` not after
 * it (the later publication wins a tie); null before any — the built-in default policy then.
 */
export function versionInForce(published: readonly PublishedPolicy[], at: string): string | null {
  let best: PublishedPolicy | null = null;
  for (const candidate of published) {
    if (candidate.effectiveFrom > at) continue;
    if (best === null || candidate.effectiveFrom > best.effectiveFrom
      || (candidate.effectiveFrom === best.effectiveFrom && candidate.lastPosition > best.lastPosition)) best = candidate;
  }
  return best?.version ?? null;
}

/** A published version as the rules read it: where it says nothing of the law's sections, the law still applies. */
export function withLaw(document: PolicyDocument): PolicyWithLaw {
  return {
    ...document,
    sensitive: document.sensitive ?? defaultPolicy.sensitive,
    impactAssessment: document.impactAssessment ?? defaultPolicy.impactAssessment,
    incidentNotification: document.incidentNotification ?? defaultPolicy.incidentNotification,
  };
}

export const DEFAULT_POLICY: PolicyInForce = { version: DEFAULT_POLICY_VERSION, document: defaultPolicy, eventId: null };

/** The policy in force at `at`, as the read models know it (through a context within a batch, as of the event in hand). */
export function policyAt(db: ReadSource, at: string): PolicyInForce {
  // Only the chosen version's document is parsed: there may be many versions, and this runs per act.
  // A rebuild holding every version in memory: the table is empty until the end, no query per act.
  const stored = policies.holdsAll(db) ? [] : statement<[], PublishedPolicy & { eventId: string }>(db,
    `SELECT version, json_extract(state, '$.effectiveFrom') AS effectiveFrom, json_extract(state, '$.lastPosition') AS lastPosition,
      json_extract(state, '$.eventId') AS eventId FROM rm_policies`).all();
  // Versions published earlier in this batch, not written yet: laid over the table (their state is at hand, unparsed).
  const published = new Map(stored.map((row) => [row.version, row]));
  for (const { key, state } of policies.pendingUnder(db, [])) {
    if (state === null) published.delete(String(key[0]));
    else published.set(String(key[0]), { version: String(key[0]), effectiveFrom: state.effectiveFrom, lastPosition: state.lastPosition, eventId: state.eventId });
  }
  const version = versionInForce([...published.values()], at);
  if (version === null) return DEFAULT_POLICY;
  // A version's row changes only with another PolicyPublished event: parsed once per publishing
  // event (by its id, which names one content for good, even if an append was rolled back).
  const eventId = published.get(version)!.eventId;
  const cache = contextOf(db)?.kept(parsedPolicies) ?? null;
  const key = `${eventId}\u0000${version}`;
  const cached = cache?.get(key);
  if (cached) return cached;
  const state = policies.read(db, [version]);
  if (state === null) return DEFAULT_POLICY;
  const inForce: PolicyInForce = { version, document: withLaw(state.document), eventId: state.eventId };
  if (cache) {
    if (cache.size >= 64) cache.clear();
    cache.set(key, inForce);
  }
  return inForce;
}

/**
 * Policies in force as parsed, by publication, kept in the runner's context: the rules read them
 * and never change them. Parsing the document (and filling in the law) for every act was the
 * largest cost of the violations model on a ledger with a published policy.
 */
const parsedPolicies = slot('parsed policies in force', () => new Map<string, PolicyInForce>());

/** The policy in force at `at` among these rows of the policies model (stored or folded in memory). */
export function policyFrom(rows: readonly { key: Key; state: PolicyState }[], at: string): PolicyInForce {
  const published = rows.map(({ key, state }) => ({ version: String(key[0]), state }));
  const version = versionInForce(published.map(({ version, state }) => ({ version, effectiveFrom: state.effectiveFrom, lastPosition: state.lastPosition })), at);
  const chosen = published.find((policy) => policy.version === version);
  return chosen ? { version: chosen.version, document: withLaw(chosen.state.document), eventId: chosen.state.eventId } : DEFAULT_POLICY;
}
