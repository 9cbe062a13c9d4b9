/** Read-side reports: the processing register, the compliance report, incident impact, the ledger head. */
import { purposes } from '../../../schemas/taxonomy.js';
import type { ApiContext } from '../context.js';

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

async function headOf(context: ApiContext) {
  const head = await context.opened.store.head();
  return { ...head, readModelsPosition: context.opened.readModels?.position ?? 0 };
}

export function legalRequests(context: ApiContext) {
  const disclosures = context.readModels.disclosures();
  const requests = context.readModels.legalRequests().map((request) => ({
    ...request,
    disclosures: disclosures.filter((d) => d.legalRequestId === request.requestId).map((d) => ({
      ...d, recipient: `${d.recipientName} [${d.recipientRegion}]`,
    })),
  }));
  return requests;
}

/** The shell that policy-as-code fills with rule verdicts; the evidence sections are live already. */
export async function complianceReport(_: unknown, args: { from?: string | null; to?: string | null; asOf?: string | null }, context: ApiContext) {
  context.require('complianceReport');
  const asOf = args.asOf ?? (context.now ?? (() => new Date()))().toISOString();
  const within = (at: string) => (!args.from || at >= args.from) && (!args.to || at <= args.to);
  return {
    asOf, from: args.from ?? null, to: args.to ?? null,
    ledgerHead: await headOf(context),
    violations: [],
    legalRequests: legalRequests(context).filter((r) => !r.receivedAt || within(r.receivedAt)),
    transfers: context.readModels.transfers().filter((t) => within(t.occurredAt)),
  };
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
