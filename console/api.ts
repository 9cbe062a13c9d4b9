/** The console's one door to the ledger: GraphQL over fetch with the key of this tab, errors as messages a person reads. */

const KEY = 'pdl.apiKey';
/** The highest log position this tab wrote (README "Read your writes"): every read asks to see at least it. */
const WRITTEN = 'pdl.writtenThrough';

export const session = {
  get key(): string | null {
    return sessionStorage.getItem(KEY);
  },
  signIn(key: string): void {
    sessionStorage.setItem(KEY, key);
    sessionStorage.removeItem(WRITTEN);
  },
  signOut(): void {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(WRITTEN);
  },
  /** The position a write of this tab answered with; 0 before any. */
  get writtenThrough(): number {
    return Number(sessionStorage.getItem(WRITTEN) ?? 0) || 0;
  },
  /** Noted after each write, so the next page load waits for the read models to hold it (the page reloads, the tab keeps it). */
  wrote(position: number | null): void {
    if (position !== null && position > session.writtenThrough) sessionStorage.setItem(WRITTEN, String(position));
  },
};

export class ApiError extends Error {
  constructor(message: string, readonly code: string | null, readonly status: number) {
    super(message);
  }
}

interface GraphQLAnswer<T> { data?: T; errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[] }

export async function gql<T>(query: string, variables: Record<string, unknown> = {}, key = session.key): Promise<T> {
  return (await gqlAllowing<T>(query, variables, [], key)).data;
}

/**
 * The answer, and the messages of the fields named in `mayFail` (paths such as "subjectAccess.proof")
 * that failed on their own (null in the data); any other error is thrown as by gql.
 */
export async function gqlAllowing<T>(query: string, variables: Record<string, unknown>, mayFail: readonly string[], key = session.key): Promise<{ data: T; failed: Record<string, string> }> {
  // Every request asks to see what this tab wrote: a DPO never sees a read model behind her own write.
  const written = session.writtenThrough;
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}), ...(written > 0 ? { 'pdl-at-least': String(written) } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const answer = (await response.json()) as GraphQLAnswer<T>;
  if (response.status === 401) throw new ApiError('That API key was refused: check it, or ask an admin for a new one.', 'UNAUTHENTICATED', 401);
  const failed: Record<string, string> = {};
  for (const error of answer.errors ?? []) {
    const path = error.path?.join('.');
    if (path === undefined || !mayFail.includes(path)) throw new ApiError(error.message, error.extensions?.code ?? null, response.status);
    failed[path] = error.message;
  }
  if (!answer.data) throw new ApiError('the server gave no answer', null, response.status);
  return { data: answer.data, failed };
}

export interface Me { keyId: string; role: string; mayRevealValues: boolean; mayLookUpIdentifiers: boolean; mayRecordPrivileged: boolean }

export const whoAmI = (key?: string) => gql<{ me: Me }>('{ me { keyId role mayRevealValues mayLookUpIdentifiers mayRecordPrivileged } }', {}, key ?? session.key).then((d) => d.me);

export interface Refusal { errors: { path: string; message: string }[] }

/** Records events under the signed-in key; the position the ledger answers with is kept for every read after it. */
export async function recordEvents(events: readonly object[]): Promise<{ appended: number; rejected: Refusal[] }> {
  const { recordEvents: result } = await gql<{ recordEvents: { appended: number; rejected: Refusal[]; position: number | null } }>(
    'mutation($e: [JSON!]!) { recordEvents(events: $e) { appended rejected { errors { path message } } position } }', { e: events });
  session.wrote(result.position);
  return result;
}
