/**
 * Runs report jobs on worker threads (report-thread.ts), at most two at a time, so that a heavy
 * report never holds the request loop. Where the compiled thread module is not there (running
 * from TypeScript sources, as some tests and the bench do), the report is built in process.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import pLimit from 'p-limit';
import { buildComplianceReport, type ComplianceReportData } from '../../projections/compliance/report.js';
import type { ReportJob } from './report-thread.js';

const THREAD = new URL('./report-thread.js', import.meta.url);
const limit = pLimit(2);

export function reportOffLoop(job: ReportJob, inProcess: Database.Database): Promise<ComplianceReportData> {
  if (!existsSync(fileURLToPath(THREAD))) return Promise.resolve(buildComplianceReport(inProcess, job.head, job.window));
  return limit(() => new Promise<ComplianceReportData>((resolve, reject) => {
    const worker = new Worker(THREAD, { workerData: job });
    worker.once('message', (message: { ok: true; report: ComplianceReportData } | { ok: false; message: string }) => {
      if (message.ok) resolve(message.report);
      else reject(new Error(`the compliance report failed: ${message.message}`));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the compliance report thread exited with ${code}`));
    });
  }));
}
