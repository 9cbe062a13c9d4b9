/** Read-side reports: the processing register, the compliance report, incident impact, the ledger head. */
import { dataCategories, labelOf, purposes } from '../../../schemas/taxonomy.js';
import type { ApiContext } from '../context.js';
import { asText, toIso } from './dates.js';
import { reportTimes } from '../../../schemas/report-period.js';
import { proofOfEvidence } from './proofs.js';
import { renderHtml } from '../../export/render-report.js';
import type { IncidentState } from '../../../projections/incidents/incidents.js';
import type { AffectedSubject } from '../../../projections/queries.js';

export function processingRegister(_: unknown, __: unknown, context: ApiContext) {
  context.require('processingRegister');
  return {
    purposes: context.readModels.register().map((record) => ({
      ...record, label: labelOf(purposes, record.purpose),
    })),
  };
}

export async function ledgerHead(_: unknown, __: unknown, context: ApiContext) {
  context.require('ledgerHead');
  return context.compliance.head();
}

export function ingestStatus(_: unknown, __: unknown, context: ApiContext) {
  context.require('ingestStatus');
  return context.ingest?.status() ?? null;
}


export async function complianceReport(_: unknown, args: { from?: unknown; to?: unknown; asOf?: unknown; knownAt?: unknown }, context: ApiContext) {
  context.require('complianceReport');
  const times = reportTimes({ asOf: asText(args.asOf), knownAt: asText(args.knownAt), from: asText(args.from), to: asText(args.to) }, context.now());
  // A report as it could have been run at knownAt replays the log up to then: bounded per key like verify.
  if (times.knownAt !== null) context.lookups.take(`${context.principal.keyId}\u0000known-at`, 'reports known at an earlier moment');
  const report = await context.compliance.report(times);
  return {
    ...report, legalRequests: report.transparency.legalRequests,
    proof: () => proofOfEvidence(context, report.violations.flatMap((v) => v.eventIds)),
    erasuresInBackups: () => context.keyStatus.counts(),
    // The page `pdl report --format html` writes, for the console to offer as a download.
    html: () => renderHtml(report, context.readModels.citedEvents(report.violations.flatMap((v) => v.eventIds))),
  };
}

export function keyStatus(_: unknown, args: { subjectId?: string | null }, context: ApiContext) {
  context.require('keyStatus');
  const { subjectId } = args;
  return {
    generations: () => context.keyStatus.generations(),
    erasures: () => context.keyStatus.counts(),
    subject: async () => {
      if (!subjectId) return null;
      const reach = await context.keyStatus.subject(subjectId);
      return reach ? { subjectId, ...reach } : null;
    },
  };
}

export function processingDriftQuery(_: unknown, args: { asOf?: string | null }, context: ApiContext) {
  context.require('processingRegister');
  return context.compliance.drift(toIso(args.asOf, 'end') ?? context.now().toISOString());
}

export function authorizeQuery(_: unknown, args: Record<string, unknown>, context: ApiContext) {
  context.require('authorize');
  return context.compliance.authorize(args, context.now());
}

export function incidentImpact(_: unknown, args: { incidentId: string }, context: ApiContext) {
  context.require('incidentImpact');
  const incident = context.readModels.incident(args.incidentId);
  return incident ? incidentAnswer(context, args.incidentId, incident) : null;
}

/** One incident as the API answers it; whose data it touched is worked out only when asked for. */
export function incidentAnswer(context: ApiContext, incidentId: string, incident: IncidentState) {
  let impact: AffectedSubject[] | null = null;
  const subjects = () => (impact ??= context.readModels.incidentImpact(incident));
  return {
    incidentId, systems: incident.systems, windowFrom: incident.window?.from ?? null, windowTo: incident.window?.to ?? null,
    description: incident.description, openedAt: incident.openedAt, closedAt: incident.closedAt, reports: incident.reports,
    subjectCount: () => subjects().length,
    subjects: () => {
      const clock = context.compliance.incidentClock(incidentId, context.now().toISOString());
      return subjects().map((s) => ({ ...s, categoryLabels: s.categories.map((c) => labelOf(dataCategories, c)), toldAt: clock?.subjects.get(s.subjectId)?.at ?? null }));
    },
    notification: () => {
      const clock = context.compliance.incidentClock(incidentId, context.now().toISOString());
      if (!clock) return null;
      const told = [...clock.subjects.values()].filter((report) => report !== null);
      const late = (report: { at: string } | null) => report === null || report.at > clock.deadline;
      return {
        deadline: clock.deadline, policyVersion: clock.policyVersion, authorityToldAt: clock.authority?.at ?? null,
        subjectsTold: told.length, subjectsNotTold: clock.subjects.size - told.length,
        onTime: !late(clock.authority) && ![...clock.subjects.values()].some(late),
      };
    },
    proof: () => proofOfEvidence(context, subjects().flatMap((s) => s.evidence)),
  };
}
