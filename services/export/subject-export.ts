/**
 * The package a subject is owed (GDPR Art. 15(1), 15(3) and 20; PIPL Art. 45): every item of
 * Art. 15(1) — purposes, categories, recipients (abroad included), retention, rights, source,
 * automated decisions — with the values, the timeline, and a proof that each event is in the
 * ledger. Built from the read models and the log alone, for `pdl export` and `exportSubject`.
 */
import { dataCategories, deletionReasons, labelOf, legalBases, purposes as purposeTerms, recipientKinds, refusalReasons, requestKinds } from '../../schemas/taxonomy.js';
import { accessLabel, actorLabel } from './labels.js';
import { consentStatus } from '../../projections/consents/consents.js';
import type Database from 'better-sqlite3';
import { ReadModels } from '../../projections/queries.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Prover } from '../proofs/prover.js';
import type { OpenedEvent } from '../ledger/stored-event.js';
import { revealedCategories } from '../ledger/data-viewed.js';
import type { EventStore, RecordedEvent } from '../store/port.js';
import type { InclusionBundle } from '../proofs/verifier/verify-proof.js';

/** At most this many events in one package's timeline; the package says when there were more. */
export const MAX_TIMELINE = 10_000;
const PROOF_LIMIT = 1000;

export interface ExportSources {
  readonly readModels: ReadModels;
  readPositions(positions: readonly number[]): Promise<RecordedEvent[]>;
  /** The events with their values opened (null where erased). */
  reveal(recorded: readonly RecordedEvent[]): Promise<OpenedEvent[]>;
  proofs?: { inclusionAt(positions: readonly number[]): Promise<InclusionBundle> };
}

/** The sources of an opened ledger: its read models, its log, its keys to open values, its prover. */
export function exportSourcesOf(
  opened: { readonly readModelsDb: Database.Database; readonly store: Pick<EventStore, 'readPositions'>; readonly ledger: Pick<Ledger, 'openAll'> },
  prover: Pick<Prover, 'inclusionAt'>,
  sign: 'if-grown' | 'if-needed',
): ExportSources {
  return {
    readModels: new ReadModels(opened.readModelsDb),
    readPositions: (positions) => opened.store.readPositions(positions),
    reveal: async (recorded) => (await opened.ledger.openAll(recorded)).map((o) => o.event),
    proofs: { inclusionAt: (positions) => prover.inclusionAt(positions, sign) },
  };
}

/** Art. 15(1)(e)–(f) and PIPL Art. 44–50: what the subject may do next, in words. */
export const RIGHTS = [
  'Access: ask what is held and receive this package (GDPR Art. 15; PIPL Art. 45).',
  'Rectification of inaccurate data (GDPR Art. 16; PIPL Art. 46).',
  'Erasure (GDPR Art. 17; PIPL Art. 47).',
  'Restriction of processing, and objection to it (GDPR Art. 18, 21; PIPL Art. 44).',
  'Portability: this package is machine-readable JSON (GDPR Art. 20; PIPL Art. 45).',
  'Withdrawal of consent at any time, without affecting what was done before (GDPR Art. 7(3); PIPL Art. 15).',
  'Explanation of, and objection to, decisions made by automated means alone (GDPR Art. 22; PIPL Art. 24).',
  'A complaint to a supervisory authority (GDPR Art. 77; PIPL Art. 65).',
];

export async function buildSubjectExport(sources: ExportSources, subjectId: string, generatedAt: string) {
  const { readModels } = sources;
  const subject = readModels.subject(subjectId);
  if (!subject) return null;
  const positions = readModels.eventPositions({ subjectId }, 0, MAX_TIMELINE + 1);
  const timelinePositions = positions.slice(0, MAX_TIMELINE);
  const recorded = await sources.readPositions(timelinePositions);
  const revealed = await sources.reveal(recorded);
  const opened = new Map(recorded.map((r, i) => [r.position, revealed[i]!]));
  const categories = readModels.categories(subjectId).map((c) => {
    const valueEvent = c.valuePosition === null ? undefined : opened.get(c.valuePosition);
    const values = valueEvent && 'values' in valueEvent.data && valueEvent.data.values ? valueEvent.data.values : {};
    return {
      category: c.category, label: labelOf(dataCategories, c.category), status: c.status,
      value: c.status === 'held' ? (Object.entries(values).find(([category]) => category === c.category)?.[1] ?? null) : null,
      purposes: c.purposes, legalBases: c.legalBases, sources: c.sources, methods: c.methods, storage: c.storage,
      retention: c.retention, retainedUntil: c.retainedUntil, firstCollectedAt: c.firstCollectedAt, rectifiedAt: c.rectifiedAt, deletedAt: c.deletedAt,
    };
  });
  const access = readModels.accessLog(subjectId);
  // The ids stay for machines (portability); the words are what a person reads.
  const labelled = access.map((a) => ({ ...a, by: actorLabel(a.actor, subjectId), what: accessLabel(a.action, a.target), purposeLabel: a.purpose ? labelOf(purposeTerms, a.purpose) : null,
    categoryLabels: a.categories.map((c) => labelOf(dataCategories, c)) }));
  let proof: InclusionBundle | null = null;
  let proofNote: string | null = null;
  if (!sources.proofs) proofNote = 'no proof: this ledger keeps no Merkle tree here';
  else if (timelinePositions.length === 0) proofNote = 'no events to prove';
  else if (timelinePositions.length > PROOF_LIMIT) proofNote = `more than ${PROOF_LIMIT} events: prove them page by page (pdl prove, or the timeline's proof)`;
  else proof = await sources.proofs.inclusionAt(timelinePositions);
  const purposes = [...new Set(categories.flatMap((c) => c.purposes))].sort();
  // Who answers for all this, from the policy in force now (GDPR Art. 15(1) via 13(1)(a)-(b); PIPL Art. 17(1)).
  const controller = readModels.policyInForce(generatedAt).document.controller ?? null;
  return {
    format: 'personal-data-ledger subject export, version 1',
    generatedAt,
    controller: controller ? { name: controller.name, contact: controller.contact, dataProtectionOfficer: controller.dataProtectionOfficer ?? null } : null,
    controllerNote: controller ? null : 'the operator has not named the controller\'s contact in its published policy (PolicyPublished data.policy.controller)',
    subject: { id: subjectId, firstSeenAt: subject.firstSeenAt, lastSeenAt: subject.lastSeenAt, erased: subject.erasedAt !== null, erasedAt: subject.erasedAt },
    purposes: purposes.map((p) => ({ purpose: p, label: labelOf(purposeTerms, p) })),
    categories: categories.map((c) => ({ ...c, purposeLabels: c.purposes.map((p) => labelOf(purposeTerms, p)), legalBasisLabels: c.legalBases.map((b) => labelOf(legalBases, b)) })),
    recipients: readModels.recipients(subjectId).map((r) => ({ id: r.id, name: r.name, kind: r.kind, kindLabel: labelOf(recipientKinds, r.kind), categoryLabels: r.categories.map((c) => labelOf(dataCategories, c)), region: r.region, abroad: r.abroad, categories: r.categories, purposes: r.purposes, firstShared: r.firstSharedAt, lastShared: r.lastSharedAt })),
    transfersAbroad: readModels.transfers(subjectId),
    consents: readModels.consents(subjectId).map((c) => ({ consentId: c.consentId, status: consentStatus(c), purposes: c.purposes, categories: c.categories, separate: c.separate, givenAt: c.givenAt, withdrawals: c.withdrawals })),
    requests: readModels.requests(subjectId).map((r) => ({
      ...r, kindLabel: r.kind ? labelOf(requestKinds, r.kind) : null, refusalReasonLabel: r.refusalReason ? labelOf(refusalReasons, r.refusalReason) : null })),
    // Where an erasure was sent, and whether each copy is confirmed gone (GDPR Art. 19: the recipients told).
    deletionOrders: readModels.deletionOrders(generatedAt, subjectId).map((o) => ({
      orderId: o.orderId, target: o.target, categories: o.categories, reason: o.reason, cause: o.cause, dueBy: o.dueBy, orderedAt: o.orderedAt,
      status: o.status, confirmedAt: o.confirmedAt, reference: o.reference, reasonLabel: labelOf(deletionReasons, o.reason),
    })),
    automatedDecisions: labelled.filter((a) => a.action === 'decided'),
    accessLog: labelled,
    rights: RIGHTS,
    timeline: recorded.map((r) => ({ eventId: r.id, position: r.position, recordedAt: r.recordedAt, hash: r.hash, event: opened.get(r.position)! })),
    timelineTruncated: positions.length > MAX_TIMELINE,
    proof,
    proofNote,
  };
}

export type SubjectExport = NonNullable<Awaited<ReturnType<typeof buildSubjectExport>>>;

/**
 * Every category whose value the package carries — the values held, and whatever the timeline
 * still opens (an earlier value, a deleted category's, the identifiers): what its read audit names.
 */
export function exportedCategories(pkg: SubjectExport): string[] {
  const shown = new Set(pkg.categories.filter((c) => c.value !== null).map((c) => c.category));
  for (const { event } of pkg.timeline) for (const category of revealedCategories(event)) shown.add(category);
  return [...shown].sort();
}
