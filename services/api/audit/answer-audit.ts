/**
 * What one answer shows: resolvers note each subject's categories whose decrypted values they
 * put into the answer — only those actually resolved, so a page asking for ids and types shows
 * none and records nothing. Before the answer leaves, `settle` writes one `DataViewed` per
 * operation (naming every subject shown) and waits until it is stored.
 */
import { dataViewedEvents } from '../../ledger/data-viewed.js';
import type { Principal } from '../auth/api-keys.js';
import type { AuditWriter } from './audit-writer.js';

export class AnswerAudit {
  private readonly shown = new Map<string, Map<string, Set<string>>>();

  constructor(private readonly principal: Principal, private readonly writer: AuditWriter, private readonly now: () => Date) {}

  /** The answer carries these categories' values of `subjectId`, through `operation`. */
  viewed(subjectId: string, categories: Iterable<string>, operation: string): void {
    const bySubject = this.shown.get(operation) ?? new Map<string, Set<string>>();
    const noted = bySubject.get(subjectId) ?? new Set<string>();
    for (const category of categories) noted.add(category);
    if (noted.size === 0) return;
    bySubject.set(subjectId, noted);
    this.shown.set(operation, bySubject);
  }

  /** Stores the record of everything noted; rejects when it cannot (the answer must then carry no value). */
  settle(): Promise<void> {
    if (this.shown.size === 0) return Promise.resolve();
    const occurredAt = this.now().toISOString();
    const reader = { actorId: `api-key:${this.principal.keyId}`, role: this.principal.role };
    const events = [...this.shown].flatMap(([operation, bySubject]) => dataViewedEvents({ ...reader, operation }, bySubject, occurredAt));
    this.shown.clear();
    return this.writer.write(events);
  }
}
