/**
 * Who runs this process on the ledger's files: the login, as an identifier (stored in clear, so
 * never an address). The CLI records it as its actor, and the ledger as the submitter of what
 * an in-process caller records.
 */
import { userInfo } from 'node:os';
import type { Submitter } from '../../schemas/submitter.js';

function operatorLogin(): string {
  return userInfo().username.replace(/[^A-Za-z0-9._~-]/g, '-').slice(0, 100) || 'unknown';
}

export const operatorActorId = (): string => `operator:${operatorLogin()}`;

export const operatorSubmitter = (): Submitter => ({ kind: 'operator', id: operatorLogin() });
