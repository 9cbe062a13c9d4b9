/** Read-side reports: the processing register, the compliance report, incident impact, the ledger head. */
import { purposes } from '../../../schemas/taxonomy.js';
import { authorize } from '../../compliance/authorize.js';
import { buildComplianceReport } from '../../compliance/compliance-report.js';
import type { ApiContext } from '../context.js';
import { toIso } from './dates.js';

export function processingRegister(_: unknown, __: unknown, context: ApiContext) {
  context.require('processingRegister');
  return {
    purposes: context.readModels.register().map((record) => ({
      ...record, label: purposes[record.purpose as keyof typeof purposes]?.label ?? record.purpose,
    })),
  };
}

export async function ledgerHead(_: unknown, __: unknown, context: ApiContext) {
  context.require('ledgerHead');
  return headOf(context);
}

export function ingestStatus(_: unknown, __: unknown, context: ApiContext) {
  context.require('ingestStatus');
  return context.ingest?.status() ?? null;
}

async function headOf(context: ApiContext) {
  const head = await context.opened.store.head();
  return { ...head, readModelsPosition: context.opened.readModels?.position ?? 0 };
}

export async function complianceReport(_: unknown, args: { from?: string | null; to?: string | null; asOf?: string | null }, context: ApiContext) {
  context.require('complianceReport');
  const asOf = toIso(args.asOf) ?? context.now().toISOString();
  const report = buildComplianceReport(context.opened.readModelsDb, await headOf(context), { asOf, from: toIso(args.from), to: toIso(args.to) });
  return { ...report, legalRequests: report.transparency.legalRequests };
}

export function authorizeQuery(_: unknown, args: Record<string, unknown>, context: ApiContext) {
  context.require('authorize');
  return authorize(context.opened.readModelsDb, args, context.now(), (id) => context.opened.keys.isErased(id));
}

export function incidentImpact(_: unknown, args: { incidentId: string }, context: ApiContext) {
  context.require('incidentImpact');
  const incident = context.readModels.incident(args.incidentId);
  if (!incident) return null;
  const subjects = context.readModels.incidentImpact(incident);
  return {
    incidentId: args.incidentId, systems: incident.systems, windowFrom: incident.window?.from ?? null, windowTo: incident.window?.to ?? null,
    description: incident.description, openedAt: incident.openedAt, closedAt: incident.closedAt, subjectCount: subjects.length, subjects,
  };
}
