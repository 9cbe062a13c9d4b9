import type { Command } from 'commander';
import { demoEvents } from '../../demo/scenario.js';
import { withLedger } from '../with-ledger.js';
import { signWhatWasWritten } from '../sign-written.js';
import type { GlobalOptions } from '../global-options.js';

export function demoCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('demo')
    .description('load a realistic scenario drawn from the privacy policy (idempotent: loading it twice stores it once)')
    .option('--json', 'print { appended, duplicates, rejected } as JSON')
    .action(async (options: { json?: boolean }) => {
      const result = await withLedger(globals(), async (opened) => {
        const recorded = await opened.ledger.record(demoEvents());
        await signWhatWasWritten(opened, globals(), recorded.appended);
        return recorded;
      });
      if (result.rejected.length > 0) process.exitCode = 1;
      if (options.json) return void console.log(JSON.stringify({ appended: result.appended, duplicates: result.duplicates, rejected: result.rejected }));
      console.log(`demo: appended ${result.appended}, already there ${result.duplicates}, rejected ${result.rejected.length}`);
      for (const rejection of result.rejected) console.log(`  ${rejection.index}: ${JSON.stringify(rejection.errors)}`);
      console.log('Try, in GraphiQL (pdl serve): subjectAccess(identifier: {kind: "email", value: "li.wei@example.cn"}), incidentImpact(incidentId: "inc-2026-04"), processingRegister.');
      if (result.rejected.length > 0) process.exitCode = 1;
    });
}
