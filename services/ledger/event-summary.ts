/**
 * One line a person can read for an event — what happened, to which categories, why, where — for
 * the command line's timeline and the API's forensics list. Values show as the event carries them
 * (opened, "(sealed)", "(erased)"), or not at all with `values: false`.
 */
import type { OpenedEvent, SealedEvent } from './stored-event.js';

export function eventSummary(event: SealedEvent | OpenedEvent, options: { values?: boolean } = {}): string {
  const data: object = event.data;
  const list = (value: unknown) => (Array.isArray(value) ? value.join(',') : String(value));
  const parts: string[] = [];
  if ('categories' in data) parts.push(list(data.categories));
  if ('purposes' in data) parts.push(`for ${list(data.purposes)}`);
  if ('purpose' in data) parts.push(`for ${String(data.purpose)}`);
  if ('legalBasis' in data) parts.push(`(${String(data.legalBasis)})`);
  if (event.type === 'DataShared' || event.type === 'DataTransferredAbroad') parts.push(`to ${event.data.recipient.name} [${event.data.recipient.region}]`);
  if (event.type === 'DataCollected' && event.data.storage) parts.push(`in ${event.data.storage.system} [${event.data.storage.region}]`);
  if ('systems' in data && Array.isArray(data.systems)) parts.push(`in ${list(data.systems)}`);
  const fields = new Map(Object.entries(data));
  for (const key of SHOWN_AS_IS) {
    const value: unknown = fields.get(key);
    if (value !== undefined && typeof value !== 'object') parts.push(`${key}=${String(value)}`);
  }
  const values: object | undefined = 'values' in data && typeof data.values === 'object' && data.values !== null ? data.values : undefined;
  if (values && options.values !== false) parts.push(`values: ${Object.entries(values).map(([k, v]) => `${k}=${typeof v === 'string' ? JSON.stringify(v) : v === null ? '(erased)' : '(sealed)'}`).join(' ')}`);
  return parts.join(' ');
}

const SHOWN_AS_IS = ['system', 'method', 'reason', 'kind', 'requestId', 'consentId', 'incidentId', 'audience', 'channel', 'topic', 'outcome'];

