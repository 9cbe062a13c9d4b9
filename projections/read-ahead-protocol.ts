/**
 * What the rebuild's read-ahead thread (read-ahead-thread.ts) hands the main thread: a page of the
 * embedded log column by column — strings as arrays, numbers and leaf hashes in typed arrays moved
 * rather than copied, the bodies as one JSON array text (one parse on the main thread).
 */
export interface ReadAheadJob {
  /** The embedded log's file. */
  readonly file: string;
  /** Rows per page. */
  readonly pageSize: number;
  /** Pages the thread may read ahead of the one the main thread is folding. */
  readonly ahead: number;
}

export interface ReadAheadPage {
  readonly kind: 'page';
  readonly positions: Float64Array<ArrayBuffer>;
  readonly revisions: Float64Array<ArrayBuffer>;
  readonly streams: string[];
  readonly ids: string[];
  readonly types: string[];
  readonly recordedAts: string[];
  readonly digests: string[];
  readonly hashes: (string | null)[];
  /** The page's bodies as one JSON array. */
  readonly bodies: string;
  /** 32 bytes per row: the RFC 6962 hash of its position's chained leaf (README "Proofs"). */
  readonly leafHashes: Uint8Array<ArrayBuffer>;
}

/** The log ended (a page shorter than a full one was the last), or reading it failed. */
export type ReadAheadEnd =
  | { readonly kind: 'end' }
  | { readonly kind: 'failed'; readonly tampered: boolean; readonly message: string };

export type ReadAheadMessage = ReadAheadPage | ReadAheadEnd;

/** From the main thread: one more page may be read ahead (it took one), or stop. */
export type ReadAheadRequest = { readonly kind: 'more' } | { readonly kind: 'stop' };
