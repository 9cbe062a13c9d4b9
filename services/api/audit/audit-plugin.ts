/**
 * The read audit's gate: once an operation has run, and before its answer is sent, the
 * DataViewed records of the values it carries are stored (services/api/audit/answer-audit.ts).
 * If they cannot be, the answer goes without any data: a value read and not recorded never leaves.
 */
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { AuditUnavailableError } from '../../errors.js';
import type { ApiContext } from '../context.js';

export function readAuditPlugin(): Plugin<ApiContext> {
  return {
    onExecute: () => ({
      async onExecuteDone({ args, setResult }) {
        try {
          await args.contextValue.views.settle();
        } catch (error) {
          const message = error instanceof AuditUnavailableError ? error.message : 'the read could not be recorded in the ledger, so its values are withheld; try again';
          setResult({ data: null, errors: [createGraphQLError(message, { extensions: { code: 'AUDIT_UNAVAILABLE' } })] });
        }
      },
    }),
  };
}
