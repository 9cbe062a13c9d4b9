import { InvalidArgumentError, type Command } from 'commander';
import { EVENT_TYPES, type EventType } from '../../../schemas/event.js';
import { readEventPositions, readEventPositionsNewest, type EventFilter } from '../../../projections/event-index/event-index.js';
import { AuditUnavailableError, ValidationError } from '../../errors.js';
import { integerParser } from '../integer-option.js';
import type { RecordedEvent } from '../../store/port.js';
import { storedEvent } from '../../ledger/stored-event.js';
import { eventSummary } from '../../ledger/event-summary.js';
import { withLedger } from '../with-ledger.js';
import { signWhatWasWritten } from '../sign-written.js';
import type { GlobalOptions } from '../global-options.js';
import { printable } from '../printable.js';
import { operatorActorId } from '../../composition/operator.js';
import { dataViewedEvents, revealedCategories } from '../../ledger/data-viewed.js';

interface EventsOptions {
  subject?: string;
  stream?: string;
  type?: string;
  system?: string;
  since?: string;
  until?: string;
  newest?: boolean;
  limit: number;
  reveal?: boolean;
  json?: boolean;
}

/** An event type as given, in any case (`datashared`), as the contract spells it; anything else refused with the list. */
export function eventTypeOption(text: string): EventType {
  const found = EVENT_TYPES.find((type) => type.toLowerCase() === text.trim().toLowerCase());
  if (!found) throw new InvalidArgumentError(`not an event type; one of ${EVENT_TYPES.join(', ')}`);
  return found;
}

/** A moment as given (an ISO 8601 date or date-time), as the ledger writes times; anything else refused. */
export function momentOption(text: string): string {
  const at = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim()) ? new Date(text.trim()) : null;
  if (!at || Number.isNaN(at.getTime())) throw new InvalidArgumentError('expected an ISO 8601 date or date-time, such as 2026-11-01 or 2026-11-01T09:00:00Z');
  return at.toISOString();
}

export function eventsCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('events')
    .description("print a readable timeline: one subject's, one stream's, or the whole ledger's")
    .option('--subject <id>', "the subject's stream (subject-<id>)")
    .option('--stream <name>', 'any stream, e.g. incident-inc-1, legal-request-lr-1, policy')
    .option('--type <type>', 'only events of this type, in any case (DataShared, datashared)', eventTypeOption)
    .option('--system <name>', 'only events that name this system (where data was stored or used)')
    .option('--since <when>', 'only events that happened at or after this moment (ISO 8601: 2026-11-01, 2026-11-01T09:00:00Z)', momentOption)
    .option('--until <when>', 'only events that happened at or before this moment', momentOption)
    .option('--newest', 'newest first (default: oldest first)')
    .option('--limit <n>', 'at most this many events', integerParser(1, undefined, '1000'), 1000)
    .option('--reveal', 'decrypt personal values (an operator action: values of erased subjects stay null)')
    .option('--json', 'one stored event per line as JSON')
    .addHelpText('after', '\nExit status: 0 events printed; 1 none matched (an unknown subject, an empty stream or filter); 2 a usage error.\n\n' +
      'Examples:\n  pdl events --subject u-1001\n  pdl events --type datashared --system crm --since 2026-11-01 --newest --limit 20\n' +
      '  pdl events --subject u-1001 --reveal --json | jq .body.data.values')
    .action(async (options: EventsOptions) => {
      const filtered = options.type !== undefined || options.system !== undefined || options.since !== undefined || options.until !== undefined || options.newest === true;
      if (filtered && options.stream) throw new ValidationError('--stream lists one stream as it stands; filter with --subject, --type, --system, --since, --until or --newest instead');
      await withLedger(globals(), async (ledgerOpened) => {
        const { store, ledger } = ledgerOpened;
        const shown = new Map<string, Set<string>>();
        const stream = options.subject ? `subject-${options.subject}` : options.stream;
        const events: RecordedEvent[] = [];
        if (filtered) {
          // Through the forensics index (a read model): the filters and the newest-first order the API's timeline has.
          const filter: EventFilter = { subjectId: options.subject ?? null, type: options.type ?? null, system: options.system ?? null, from: options.since ?? null, to: options.until ?? null };
          const positions = options.newest
            ? readEventPositionsNewest(ledgerOpened.readModelsDb, filter, Number.MAX_SAFE_INTEGER, options.limit)
            : readEventPositions(ledgerOpened.readModelsDb, filter, 0, options.limit);
          const byPosition = new Map((await store.readPositions(positions)).map((event) => [event.position, event]));
          for (const position of positions) {
            const event = byPosition.get(position);
            if (event) events.push(event);
          }
        } else if (stream) events.push(...(await store.readStream(stream, { limit: options.limit })));
        else for await (const event of store.readAll({ limit: options.limit })) events.push(event);
        if (events.length === 0) {
          console.error(filtered ? 'no events match' : stream ? `no events in stream ${printable(stream)}` : 'the ledger is empty');
          process.exitCode = 1;
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
          lines.push(printable(`#${recorded.position}  ${event.occurredAt}  ${recorded.type.padEnd(22)} ${recorded.id}  ${event.subject?.id ?? '-'}  ${eventSummary(event)}  — ${event.actor.kind}:${event.actor.id}`));
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
      }, { readModels: filtered });
    });
}
