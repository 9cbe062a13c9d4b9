import type { Command } from 'commander';
import type { RecordedEvent } from '../../store/port.js';
import { storedEvent, type OpenedEvent, type SealedEvent } from '../../ledger/stored-event.js';
import { withLedger } from '../with-ledger.js';
import { signWhatWasWritten } from '../sign-written.js';
import type { GlobalOptions } from '../global-options.js';
import { printable } from '../printable.js';
import { operatorActorId } from '../../composition/operator.js';
import { dataViewedEvents, revealedCategories } from '../../ledger/data-viewed.js';
import { AuditUnavailableError } from '../../errors.js';

interface EventsOptions {
  subject?: string;
  stream?: string;
  limit: number;
  reveal?: boolean;
  json?: boolean;
}

/** One line a person can read: what happened, to which categories, why. */
export function summarise(event: SealedEvent | OpenedEvent): string {
  const data: object = event.data;
  const list = (value: unknown) => (Array.isArray(value) ? value.join(',') : String(value));
  const parts: string[] = [];
  if ('categories' in data) parts.push(list(data.categories));
  if ('purposes' in data) parts.push(`for ${list(data.purposes)}`);
  if ('purpose' in data) parts.push(`for ${String(data.purpose)}`);
  if ('legalBasis' in data) parts.push(`(${String(data.legalBasis)})`);
  if (event.type === 'DataShared' || event.type === 'DataTransferredAbroad') parts.push(`to ${event.data.recipient.name} [${event.data.recipient.region}]`);
  if (event.type === 'DataCollected' && event.data.storage) parts.push(`in ${event.data.storage.system} [${event.data.storage.region}]`);
  const fields = new Map(Object.entries(data));
  for (const key of SHOWN_AS_IS) {
    const value: unknown = fields.get(key);
    if (value !== undefined && typeof value !== 'object') parts.push(`${key}=${String(value)}`);
  }
  const values: object | undefined = 'values' in data && typeof data.values === 'object' && data.values !== null ? data.values : undefined;
  if (values) parts.push(`values: ${Object.entries(values).map(([k, v]) => `${k}=${typeof v === 'string' ? JSON.stringify(v) : v === null ? '(erased)' : '(sealed)'}`).join(' ')}`);
  return parts.join(' ');
}

const SHOWN_AS_IS = ['system', 'method', 'reason', 'kind', 'requestId', 'consentId', 'channel', 'topic', 'outcome'];

export function eventsCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('events')
    .description("print a readable timeline: one subject's, one stream's, or the whole ledger's")
    .option('--subject <id>', "the subject's stream (subject-<id>)")
    .option('--stream <name>', 'any stream, e.g. incident-inc-1, legal-request-lr-1, policy')
    .option('--limit <n>', 'at most this many events', (v) => Number.parseInt(v, 10), 1000)
    .option('--reveal', 'decrypt personal values (an operator action: values of erased subjects stay null)')
    .option('--json', 'one stored event per line as JSON')
    .action(async (options: EventsOptions) => {
      await withLedger(globals(), async (ledgerOpened) => {
        const { store, ledger } = ledgerOpened;
        const shown = new Map<string, Set<string>>();
        const stream = options.subject ? `subject-${options.subject}` : options.stream;
        const events: RecordedEvent[] = [];
        if (stream) events.push(...(await store.readStream(stream, { limit: options.limit })));
        else for await (const event of store.readAll({ limit: options.limit })) events.push(event);
        if (events.length === 0) {
          console.error(stream ? `no events in stream ${printable(stream)}` : 'the ledger is empty');
          return;
        }
        const lines: string[] = [];
        const openedAll = options.reveal ? await ledger.openAll(events) : null;
        for (const [i, recorded] of events.entries()) {
          const opened = openedAll ? openedAll[i]!.event : null;
          if (opened?.subject) {
            const categories = shown.get(opened.subject.id) ?? new Set<string>();
            // --json prints the whole event, identifiers included; the text line prints data.values only.
            revealedCategories(opened, { identifiers: Boolean(options.json) }).forEach((category) => categories.add(category));
            shown.set(opened.subject.id, categories);
          }
          const event = opened ?? storedEvent(recorded);
          if (options.json) {
            lines.push(JSON.stringify({ ...recorded, body: event }));
            continue;
          }
          // Position, event id and subject id on every line: report evidence names events by id.
          lines.push(printable(`#${recorded.position}  ${event.occurredAt}  ${recorded.type.padEnd(22)} ${recorded.id}  ${event.subject?.id ?? '-'}  ${summarise(event)}  — ${event.actor.kind}:${event.actor.id}`));
        }
        // Values shown by the operator are a read of personal data too: recorded like the API's,
        // and before they are printed — a value never leaves without its record.
        const views = dataViewedEvents({ actorId: operatorActorId(), role: 'operator', operation: 'cli.events' }, shown, new Date().toISOString());
        if (views.length > 0) {
          const recorded = await ledger.record(views, { submitter: { kind: 'ledger', id: 'cli.read-audit' } });
          if (recorded.rejected.length > 0) {
            throw new AuditUnavailableError(`the read could not be recorded (${printable(JSON.stringify(recorded.rejected[0]!.errors)).slice(0, 200)}), so no value is printed`);
          }
          await signWhatWasWritten(ledgerOpened, globals(), recorded.appended);
        }
        for (const line of lines) console.log(line);
      });
    });
}
