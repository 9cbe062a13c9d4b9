import { Option, type Command } from 'commander';
import { v7 as uuidv7 } from 'uuid';
import { normaliseIdentifier } from '../../../schemas/identifiers.js';
import { instantOf } from '../../../schemas/report-period.js';
import { labelOf, refusalReasons, requestKinds } from '../../../schemas/taxonomy.js';
import { readRequestSchedule, requestView } from '../../../projections/subject-requests/subject-requests.js';
import { ValidationError } from '../../errors.js';
import { operatorActorId } from '../../composition/operator.js';
import type { OpenedLedger } from '../../composition/open-ledger.js';
import { withLedger } from '../with-ledger.js';
import { signWhatWasWritten } from '../sign-written.js';
import type { GlobalOptions } from '../global-options.js';
import { printable } from '../printable.js';

const KINDS = Object.keys(requestKinds);
const STATUSES = ['open', 'overdue', 'completed', 'all'] as const;
const OUTCOMES = ['fulfilled', 'partially-fulfilled', 'rejected', 'withdrawn'] as const;

/** The subject an option names: its id, or the one subject an e-mail or phone number belongs to (looked up by the blind index). */
async function subjectOf(opened: OpenedLedger, options: { subject?: string; email?: string; phone?: string }): Promise<string> {
  const given = [options.subject, options.email, options.phone].filter((value) => value !== undefined);
  if (given.length !== 1) throw new ValidationError('name the subject once: --subject ID, --email ADDRESS or --phone NUMBER');
  if (options.subject !== undefined) return options.subject;
  const kind = options.email !== undefined ? 'email' : 'phone';
  const normalised = normaliseIdentifier(kind, (options.email ?? options.phone)!);
  if (normalised === null) throw new ValidationError(`--${kind}: not a valid ${kind === 'email' ? 'e-mail address' : 'phone number'}`);
  const found = await opened.keys.findByIdentifier(kind, normalised);
  // The identifier itself is never repeated in a message: it is personal data.
  if (found.length !== 1) throw new ValidationError(found.length === 0 ? `no subject has that ${kind}` : `several subjects have that ${kind}: give --subject`);
  return found[0]!;
}

/** Records the operator's events about a request; a refusal of the ledger is an error naming every problem by path. */
async function recordAll(opened: OpenedLedger, globals: GlobalOptions, events: readonly object[]): Promise<number[]> {
  const result = await opened.ledger.record(events);
  const problems = result.outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? outcome.errors.map((e) => `${e.path}: ${e.message}`) : []));
  if (problems.length > 0) throw new ValidationError(`not recorded: ${problems.join('; ')}`);
  await signWhatWasWritten(opened, globals, result.appended);
  return result.outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [] : [outcome.position]));
}

/** `pdl requests`: the requests inbox on the command line (README "Requests inbox"). */
export function requestsCommand(program: Command, globals: () => GlobalOptions): void {
  const requests = program
    .command('requests')
    .description('subject requests: list the open ones by deadline, record one received, complete or refuse one')
    .addHelpText('after', '\nEach step records the contract\'s events (SubjectRequestReceived, SubjectRequestCompleted) as the operator.\n\n' +
      'Examples:\n  pdl requests receive --email li.wei@example.cn --kind access\n  pdl requests list\n' +
      '  pdl requests complete r-0193f2 --outcome fulfilled\n  pdl requests refuse r-0193f3 --reason identity-not-verified');

  requests
    .command('list')
    .description('every request with its status and deadline, overdue first, then by deadline')
    .option('--status <status>', `${STATUSES.join(', ')} (default: open and overdue)`)
    .option('--as-of <time>', 'where they stood at this moment (default now)')
    .option('--json', 'one JSON object per line')
    .addHelpText('after', '\nExit status: 0 listed (none is not an error); 2 a usage error.\n\nExamples:\n  pdl requests list\n  pdl requests list --status all --json')
    .action(async (options: { status?: string; asOf?: string; json?: boolean }) => {
      if (options.status !== undefined && !(STATUSES as readonly string[]).includes(options.status)) throw new ValidationError(`--status: one of ${STATUSES.join(', ')}`);
      const asOf = options.asOf === undefined ? new Date().toISOString() : instantOf(options.asOf, 'end', '--as-of');
      await withLedger(globals(), async ({ readModelsDb }) => {
        const rows = readRequestSchedule(readModelsDb, asOf).map((r) => ({ ...r, ...requestView(r, r.deadline, asOf) }))
          .filter((r) => (options.status === 'all' ? true : options.status === undefined ? r.status !== 'completed' : r.status === options.status))
          .sort((a, b) => Number(b.status === 'overdue') - Number(a.status === 'overdue') || (a.deadline ?? '').localeCompare(b.deadline ?? ''));
        for (const r of rows) {
          const shown = { subjectId: r.subjectId, requestId: r.requestId, kind: r.kind, status: r.status, receivedAt: r.receivedAt, deadline: r.deadline, daysLeft: r.daysLeft, completedAt: r.completedAt, outcome: r.outcome, refusalReason: r.refusalReason ?? null };
          if (options.json) console.log(JSON.stringify(shown));
          else console.log(printable(`${r.status.padEnd(9)} ${r.daysLeft === null ? '' : `${r.daysLeft} days`.padStart(10)}  due ${r.deadline}  ${r.subjectId}  ${r.requestId}  ${r.kind ?? '-'}${r.outcome ? `  ${r.outcome}` : ''}${r.refusalReason ? ` (${r.refusalReason})` : ''}`));
        }
        if (rows.length === 0 && !options.json) process.stderr.write('pdl: no requests match\n');
      }, { readModels: true });
    });

  requests
    .command('receive')
    .description('record a request received from a subject (SubjectRequestReceived); prints its id')
    .option('--subject <id>', 'the subject\'s id')
    .option('--email <address>', 'or the subject\'s e-mail address, looked up (never written anywhere)')
    .option('--phone <number>', 'or the subject\'s phone number, looked up')
    .requiredOption('--kind <kind>', `one of ${KINDS.join(', ')}`)
    .option('--request <id>', 'its id (default: a new r-… id)')
    .option('--received-at <time>', 'when it was received (ISO 8601; default now): the deadline runs from it')
    .option('--json', 'print { subjectId, requestId, kind, position } as JSON')
    .addHelpText('after', '\nExamples:\n  pdl requests receive --email li.wei@example.cn --kind access\n  pdl requests receive --subject u-1001 --kind erasure --received-at 2026-12-01T09:30:00Z')
    .action(async (options: { subject?: string; email?: string; phone?: string; kind: string; request?: string; receivedAt?: string; json?: boolean }) => {
      if (!KINDS.includes(options.kind)) throw new ValidationError(`--kind: one of ${KINDS.join(', ')}`);
      const at = options.receivedAt === undefined ? new Date().toISOString() : instantOf(options.receivedAt, 'start', '--received-at');
      await withLedger(globals(), async (opened) => {
        const subjectId = await subjectOf(opened, options);
        const requestId = options.request ?? `r-${uuidv7().slice(-12)}`;
        const [position] = await recordAll(opened, globals(), [{
          id: uuidv7(), type: 'SubjectRequestReceived', occurredAt: at, subject: { id: subjectId },
          actor: { kind: 'employee', id: operatorActorId() }, data: { requestId, kind: options.kind },
        }]);
        if (options.json) console.log(JSON.stringify({ subjectId, requestId, kind: options.kind, position }));
        else console.log(printable(`request ${requestId} (${options.kind}) of ${subjectId} recorded at position ${position}`));
      });
    });

  const answer = (name: 'complete' | 'refuse') => requests
    .command(name)
    .description(name === 'complete' ? 'record a request answered (SubjectRequestCompleted)' : 'record a request refused, with the reason (SubjectRequestCompleted, outcome rejected)')
    .argument('<request>', 'the request id (pdl requests list)')
    .option('--json', 'print { subjectId, requestId, outcome, position } as JSON');

  const complete = async (requestId: string, outcome: string, json: boolean, refusalReason?: string) => {
    await withLedger(globals(), async (opened) => {
      const found = readRequestSchedule(opened.readModelsDb, new Date().toISOString()).find((r) => r.requestId === requestId);
      if (!found) throw new ValidationError(`no request ${printable(requestId.slice(0, 60))} (see pdl requests list)`);
      if (found.completedAt !== null) throw new ValidationError(`request ${printable(requestId.slice(0, 60))} was completed on ${found.completedAt}`);
      const [position] = await recordAll(opened, globals(), [{
        id: uuidv7(), type: 'SubjectRequestCompleted', occurredAt: new Date().toISOString(), subject: { id: found.subjectId },
        actor: { kind: 'employee', id: operatorActorId() }, data: { requestId, ...(found.kind ? { kind: found.kind } : {}), outcome, ...(refusalReason ? { refusalReason } : {}) },
      }]);
      if (json) console.log(JSON.stringify({ subjectId: found.subjectId, requestId, outcome, ...(refusalReason ? { refusalReason } : {}), position }));
      else console.log(printable(`request ${requestId} of ${found.subjectId} completed (${outcome})${refusalReason ? `: ${labelOf(refusalReasons, refusalReason)}` : ''} at position ${position}`));
    }, { readModels: true });
  };

  answer('complete')
    .option('--outcome <outcome>', `one of ${OUTCOMES.join(', ')}`, 'fulfilled')
    .addHelpText('after', '\nAn erasure request is answered by `pdl erase SUBJECT --reason subject-request --request ID`, which completes it too.\n\n' +
      'Examples:\n  pdl requests complete r-0193f2\n  pdl requests complete r-0193f2 --outcome partially-fulfilled')
    .action(async (requestId: string, options: { outcome: string; json?: boolean }) => {
      if (!(OUTCOMES as readonly string[]).includes(options.outcome)) throw new ValidationError(`--outcome: one of ${OUTCOMES.join(', ')}`);
      await complete(requestId, options.outcome, options.json === true);
    });

  answer('refuse')
    .addOption(new Option('--reason <term>', 'why, as the subject is owed it (recorded as data.refusalReason; a term, never free text)').choices(Object.keys(refusalReasons)).makeOptionMandatory())
    .addHelpText('after', `\nReasons: ${Object.entries(refusalReasons).map(([term, { label }]) => `${term} (${label})`).join(', ')}.\n\nExamples:\n  pdl requests refuse r-0193f3 --reason identity-not-verified`)
    .action(async (requestId: string, options: { reason: string; json?: boolean }) => {
      await complete(requestId, 'rejected', options.json === true, options.reason);
    });
}
