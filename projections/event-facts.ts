/** Facts most read models need from any event, in one place. */
import type { LedgerEvent } from '../schemas/event.js';

export function categoriesOf(event: LedgerEvent): string[] | 'all' {
  const categories = (event.data as { categories?: string[] | 'all' }).categories;
  return categories ?? [];
}

export function systemsOf(event: LedgerEvent): string[] {
  switch (event.type) {
    case 'DataCollected':
      return [event.data.storage.system];
    case 'DataUsed':
      return [event.data.system];
    case 'DataDeleted':
      return event.data.systems ?? [];
    case 'ServiceShutdownAnnounced':
    case 'IncidentOpened':
      return event.data.systems;
    default:
      return [];
  }
}

export const subjectOf = (event: LedgerEvent): string | null => event.subject?.id ?? null;
