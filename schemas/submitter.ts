/**
 * Who handed an event to the ledger — set by the ledger from the authenticated caller, never by
 * the producer — stored in the event and so covered by the chain and the Merkle tree. `actor` is
 * what the producer says acted; `submitter` is what the ledger knows submitted it, so a producer
 * key claiming a dpo as its actor is there for anyone to see (README "Security model").
 */
import * as z from 'zod';

const Name = z.string().min(1).max(128).regex(/^[A-Za-z0-9][A-Za-z0-9._:~/-]*$/);

export const Submitter = z.discriminatedUnion('kind', [
  /** An API key: its id (never the key) and the role it had when it submitted. */
  z.strictObject({ kind: z.literal('api-key'), id: Name, role: z.string().regex(/^[a-z][a-z-]{0,31}$/) }),
  /** The command line or an in-process caller with the ledger's files: the login it ran under. */
  z.strictObject({ kind: z.literal('operator'), id: Name }),
  /** `pdl ingest` (or `serve --kafka`): the topic the event was consumed from. */
  z.strictObject({ kind: z.literal('kafka'), id: Name }),
  /** The ledger itself (its read audit, its own bookkeeping): the component that wrote it. */
  z.strictObject({ kind: z.literal('ledger'), id: Name }),
]);
export type Submitter = z.infer<typeof Submitter>;

/** Who the submitter is, in one line (timelines, the CLI). */
export function describeSubmitter(submitter: Submitter): string {
  return submitter.kind === 'api-key' ? `api-key:${submitter.id} (${submitter.role})` : `${submitter.kind}:${submitter.id}`;
}
