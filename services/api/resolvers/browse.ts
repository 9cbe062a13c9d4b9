/** What a DPO, an auditor or a responder asks next: lists to start from, an event by id, the chain checked, a subject's package. */
import { normaliseIdentifier } from '../../../schemas/identifiers.js';
import { ValidationError } from '../../errors.js';
import type { ApiContext } from '../context.js';
import { requestView } from '../../../projections/subject-requests/subject-requests.js';
import { withDisclosures } from '../../../projections/legal-requests/legal-requests.js';
import { eventNode } from './event-connection.js';
import { exportedCategories } from '../../export/subject-export.js';
import { incidentAnswer } from './reports.js';

const MAX_PAGE = 200;
const encode = (id: string) => Buffer.from(`sub:${id}`).toString('base64url');
const decode = (cursor: string | null | undefined): string => {
  if (!cursor) return '';
  const text = Buffer.from(cursor, 'base64url').toString();
  if (!text.startsWith('sub:')) throw new ValidationError('invalid cursor: pass an endCursor from a previous page');
  return text.slice(4);
};
const summary = (s: { subjectId: string; firstSeenAt: string; lastSeenAt: string; erasedAt: string | null; events: number }) => ({
  subjectId: s.subjectId, firstSeenAt: s.firstSeenAt, lastSeenAt: s.lastSeenAt, erased: s.erasedAt !== null, erasedAt: s.erasedAt, events: s.events,
});

/** By id prefix; an e-mail or a phone number goes through the blind index (for roles that may look identifiers up). */
export async function subjects(_: unknown, args: { search?: string | null; first?: number | null; after?: string | null }, context: ApiContext) {
  context.require('subjectAccess');
  const size = args.first ?? 50;
  if (size < 0 || size > MAX_PAGE) throw new ValidationError(`first must be between 0 and ${MAX_PAGE}`);
  const search = (args.search ?? '').trim();
  const kind = search.includes('@') ? 'email' : /^\+?[0-9][0-9 ()-]{5,}$/.test(search) ? 'phone' : null;
  if (kind) {
    context.require('lookUpByIdentifier');
    context.lookups.take(context.principal.keyId, 'identifier look-ups');
    const normalised = normaliseIdentifier(kind, search);
    if (normalised === null) throw new ValidationError(`search: not a valid ${kind}`);
    const found = (await context.subjectsByIdentifier(kind, normalised)).flatMap((id) => {
      const state = context.readModels.subject(id);
      return state ? [summary({ ...state, subjectId: id })] : [];
    });
    return { edges: found.map((node) => ({ cursor: encode(node.subjectId), node })), pageInfo: { hasNextPage: false, endCursor: null } };
  }
  const rows = context.readModels.subjectsByPrefix(search, decode(args.after), size + 1);
  const edges = rows.slice(0, size).map((row) => ({ cursor: encode(row.subjectId), node: summary(row) }));
  return { edges, pageInfo: { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? args.after ?? null } };
}

export function incidents(_: unknown, __: unknown, context: ApiContext) {
  context.require('incidentImpact');
  return context.readModels.incidents().map((incident) => incidentAnswer(context, incident.incidentId, incident));
}

export function legalRequests(_: unknown, __: unknown, context: ApiContext) {
  context.require('complianceReport');
  return withDisclosures(context.readModels.legalRequests(), context.readModels.disclosures());
}

export function subjectRequests(_: unknown, args: { status?: string | null; first?: number | null }, context: ApiContext) {
  context.require('subjectAccess');
  const size = args.first ?? 100;
  if (size < 0 || size > 500) throw new ValidationError('first must be between 0 and 500');
  const now = context.now();
  return context.readModels.allRequests()
    .map((request) => ({ ...request, ...requestView(request, request.receivedAt ? context.compliance.deadline(request.receivedAt) : null, now.toISOString()) }))
    .filter((request) => !args.status || request.status === args.status)
    .sort((a, b) => (a.deadline ?? '').localeCompare(b.deadline ?? '') || a.subjectId.localeCompare(b.subjectId))
    .slice(0, size);
}

export async function event(_: unknown, args: { id: string }, context: ApiContext) {
  context.require('events');
  const position = context.readModels.eventPosition(args.id.toLowerCase());
  if (position === null) return null;
  const [recorded] = await context.log.readPositions([position]);
  return recorded ? eventNode(context, recorded, 'event') : null;
}

export async function verify(_: unknown, args: { anchor?: string | null }, context: ApiContext) {
  context.require('complianceReport');
  // A whole-log read: bounded per key like other costly questions, in a bucket of its own (a key
  // that used up its identifier look-ups may still verify the ledger, and the other way round).
  context.lookups.take(`${context.principal.keyId}\u0000verify`, 'verifications');
  let anchor: { position: number; hash: string } | undefined;
  if (args.anchor) {
    const match = /^(\d+):([0-9a-f]{64})$/.exec(args.anchor.trim());
    if (!match) throw new ValidationError('anchor: expected POSITION:HASH, as ledgerHead or pdl head give it');
    anchor = { position: Number(match[1]), hash: match[2]! };
  }
  const report = await context.verify(anchor);
  return {
    ok: report.ok, checked: report.checked, headPosition: report.head.position, headHash: report.head.hash,
    checkpoints: report.checkpoints, forgedCheckpoints: report.forgedCheckpoints, firstBreak: report.firstBreak ?? null,
  };
}

export async function exportSubject(_: unknown, args: { subjectId: string }, context: ApiContext) {
  context.require('revealValues');
  const pkg = await context.exportSubject(args.subjectId);
  if (!pkg) return null;
  context.views.viewed(args.subjectId, exportedCategories(pkg), 'exportSubject');
  const { renderExportHtml } = await import('../../export/render-export.js');
  return { json: pkg, html: renderExportHtml(pkg) };
}

/** Who is asking, and what the console may offer them. */
export function me(_: unknown, __: unknown, context: ApiContext) {
  return {
    keyId: context.principal.keyId, role: context.principal.role,
    mayRevealValues: context.may('revealValues'), mayLookUpIdentifiers: context.may('lookUpByIdentifier'), mayRecordPrivileged: context.may('recordPrivileged'),
  };
}
