/** Facts most read models need from any event, in one place. */
import type { SealedEvent } from '../services/ledger/stored-event.js';

export function categoriesOf(event: SealedEvent): string[] | 'all' {
  return 'categories' in event.data && event.data.categories !== undefined ? event.data.categories : [];
}

export function systemsOf(event: SealedEvent): string[] {
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

