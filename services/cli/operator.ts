/** Who runs the command line, as an actor id: the login, stored in clear, so an identifier, never an address. */
import { userInfo } from 'node:os';

export function operatorActorId(): string {
  const login = userInfo().username.replace(/[^A-Za-z0-9._~-]/g, '-').slice(0, 100) || 'unknown';
  return `operator:${login}`;
}
