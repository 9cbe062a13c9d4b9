import type { Command } from 'commander';
import { withLedger } from '../with-ledger.js';
import type { GlobalOptions } from '../global-options.js';
import { withOutputFiles } from '../../composition/output-files.js';
import { reportTimes } from '../../../schemas/report-period.js';

const FORMATS = ['md', 'json', 'html'] as const;
const NAMES = { asOf: '--as-of', knownAt: '--known-at', from: '--from', to: '--to' } as const;

export function reportCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('report')
    .description('write the compliance report: every rule of the policy with its verdicts and evidence')
    .option('--as-of <time>', 'judge the world as of this moment, by when things happened (default: --known-at, else now)')
    .option('--known-at <time>', 'judge only what the ledger had recorded by this moment: the report as it could have been run then, reproduced exactly (default: now)')
    .option('--from <time>', 'the period asked about starts here: what was wrong during it, begun before and still open included')
    .option('--to <time>', 'the period ends here')
    .option('--format <format>', `one of ${FORMATS.join(', ')}`, 'md')
    .option('--out <file>', 'write to this new file (mode 0600) instead of standard output')
    .option('--force', 'with --out: replace the file when it is there and yours (never a link, nor another user\'s file)')
    .addHelpText('after', '\nA time is a date-time with its offset (2026-12-04T10:00:00Z) or a date alone, a whole UTC day:\n' +
      '--from 2026-12-01 starts at 00:00:00.000Z; --to, --as-of and --known-at 2026-12-31 end at 23:59:59.999Z.\n' +
      'A period counts every violation whose breach overlaps it (a request still overdue from July is in\n' +
      'December), and every section holds what happened or ran in it, as seen at --as-of.\n\n' +
      'Examples:\n  pdl report --as-of 2026-11-29 --format md\n  pdl report --from 2026-12-01 --to 2026-12-31 --format html --out december.html\n' +
      '\nExit status: 0 whatever the verdicts (the report is the answer); 2 when it could not be made,\n' +
      'or --out names a file already there (without --force) or a symbolic link.')
    .action(async (options: { asOf?: string; knownAt?: string; from?: string; to?: string; format: string; out?: string; force?: boolean }) => {
      if (!(FORMATS as readonly string[]).includes(options.format)) throw new Error(`unknown format ${JSON.stringify(options.format)} (one of ${FORMATS.join(', ')})`);
      const window = reportTimes(options, new Date(), NAMES);
      const [{ buildComplianceReport }, { renderHtml, renderMarkdown }] = await Promise.all([
        import('../../../projections/compliance/report.js'), import('../../export/render-report.js'),
      ]);
      const build = () => withLedger(globals(), async ({ store, projectionRunner, readModelsDb }) => {
        const { readCitedEvents } = await import('../../../projections/event-index/event-index.js');
        const { knownAt } = window;
        if (knownAt !== null) {
          const { withReadModelsKnownAt } = await import('../../projector/known-at.js');
          return withReadModelsKnownAt(store, knownAt, ({ db, head }) => {
            const built = buildComplianceReport(db, { ...head, readModelsPosition: head.position }, window);
            return { report: built, cited: readCitedEvents(db, built.violations.flatMap((v) => v.eventIds)) };
          });
        }
        const built = buildComplianceReport(readModelsDb, { ...(await store.head()), readModelsPosition: projectionRunner?.position ?? 0 }, window);
        // The evidence, described for the HTML appendix: every event id a verdict cites.
        return { report: built, cited: readCitedEvents(readModelsDb, built.violations.flatMap((v) => v.eventIds)) };
      }, { readModels: true });
      // The file is created before the report is made: a refusal costs no work.
      const { report, text } = await withOutputFiles(options.out ? [options.out] : [], { force: options.force }, async ([file]) => {
        const { report, cited } = await build();
        const text = options.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : options.format === 'html' ? renderHtml(report, cited) : renderMarkdown(report);
        if (file) file.write(text);
        return { report, text };
      });
      if (options.out) process.stderr.write(`pdl: report as of ${report.asOf} written to ${options.out}: ${report.violations.length} violations.\n`);
      else process.stdout.write(text);
    });
}
