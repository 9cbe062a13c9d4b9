/** The console's one door to the ledger: GraphQL over fetch with the key of this tab, errors as messages a person reads. */

const KEY = 'pdl.apiKey';

export const session = {
  get key(): string | null {
    return sessionStorage.getItem(KEY);
  },
  signIn(key: string): void {
    sessionStorage.setItem(KEY, key);
  },
  signOut(): void {
    sessionStorage.removeItem(KEY);
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
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
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
