/**
 * The rebuild's read-ahead thread (read-ahead.ts): reads the embedded log a page at a time on a
 * connection of its own, decodes each body and hashes its Merkle leaf on the second core, and
 * stays at most `ahead` pages before the page the main thread is folding.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { chainedLeaf } from '../services/ledger/chain.js';
import { leafHash } from '../services/merkle/rfc6962.js';
import { BodyDecodeError, bodyText, parseBodyText } from '../services/store/body-codec.js';
import type { ReadAheadJob, ReadAheadMessage, ReadAheadPage, ReadAheadRequest } from './read-ahead-protocol.js';

const port = parentPort;
if (!port) throw new Error('read-ahead-thread.ts runs as a worker thread');
const job = workerData as ReadAheadJob;

interface Row {
  position: number; stream: string; revision: number; id: string; type: string; recorded_at: string; body: string | Buffer; digest: string; hash: string | null;
}

const db = new Database(job.file, { fileMustExist: true });
db.pragma('query_only = ON');
const read = db.prepare<[number, number], Row>(
  'SELECT position, stream, revision, id, type, recorded_at, body, digest, hash FROM events WHERE position > ? ORDER BY position LIMIT ?');

let credit = job.ahead;
let after = 0;
let done = false;

function page(rows: readonly Row[]): ReadAheadPage {
  const leafHashes = new Uint8Array(32 * rows.length);
  const texts: string[] = [];
  rows.forEach((row, i) => {
    const text = bodyText(row.body, row.position);
    const body = parseBodyText(text, row.position);
    texts.push(text);
    leafHashes.set(leafHash(chainedLeaf({ position: row.position, stream: row.stream, revision: row.revision, recordedAt: row.recorded_at, body })), 32 * i);
  });
  return {
    kind: 'page',
    positions: Float64Array.from(rows, (row) => row.position),
    revisions: Float64Array.from(rows, (row) => row.revision),
    streams: rows.map((row) => row.stream),
    ids: rows.map((row) => row.id),
    types: rows.map((row) => row.type),
    recordedAts: rows.map((row) => row.recorded_at),
    digests: rows.map((row) => row.digest),
    hashes: rows.map((row) => row.hash),
    bodies: `[${texts.join(',')}]`,
    leafHashes,
  };
}

function post(message: ReadAheadMessage): void {
  if (message.kind === 'page') port!.postMessage(message, [message.positions.buffer, message.revisions.buffer, message.leafHashes.buffer]);
  else port!.postMessage(message);
}

function readWhileCredit(): void {
  while (credit > 0 && !done) {
    try {
      const rows = read.all(after, job.pageSize);
      if (rows.length > 0) {
        post(page(rows));
        credit -= 1;
        after = rows[rows.length - 1]!.position;
      }
      if (rows.length < job.pageSize) {
        done = true;
        post({ kind: 'end' });
      }
    } catch (error) {
      done = true;
      // A body that does not read back is the log's evidence (TAMPERED), said by position; any other error by its
      // name and code only — a message may quote what it was reading.
      const tampered = error instanceof BodyDecodeError;
      const code = error instanceof Error && 'code' in error ? ` (${String(error.code)})` : '';
      post({ kind: 'failed', tampered, message: tampered ? error.message : `${error instanceof Error ? error.name : typeof error}${code}` });
    }
  }
  if (done) db.close();
}

port.on('message', (request: ReadAheadRequest) => {
  if (request.kind === 'stop') {
    done = true;
    if (db.open) db.close();
    port.close();
    return;
  }
  credit += 1;
  readWhileCredit();
});
readWhileCredit();
