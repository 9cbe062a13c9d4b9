/**
 * The compliance report, computed on a worker thread with its own read-only connection: a full
 * report reads every read model (about 220 ms at 20,000 events, seconds at a million), and on the
 * request loop it would hold every other caller for that long. SQLite in WAL mode gives the thread
 * a consistent snapshot while writes go on.
 */
import Database from 'better-sqlite3';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { buildComplianceReport, type ReportWindow } from '../../projections/compliance/report.js';
import type { Head } from '../store/port.js';

export interface ReportJob {
  readonly readModelsPath: string;
  readonly head: Head & { readModelsPosition: number };
  readonly window: ReportWindow;
}

if (!isMainThread && parentPort) {
  const job = workerData as ReportJob;
  const db = new Database(job.readModelsPath, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    parentPort.postMessage({ ok: true, report: db.transaction(() => buildComplianceReport(db, job.head, job.window))() });
  } catch (error) {
    parentPort.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) });
  } finally {
    db.close();
  }
}
