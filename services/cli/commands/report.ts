import type { Command } from 'commander';
import { withLedger } from '../with-ledger.js';
import type { GlobalOptions } from '../global-options.js';
import { withOutputFiles } from '../../composition/output-files.js';

const FORMATS = ['md', 'json', 'html'] as const;

function isoTime(text: string): string {
  const time = Date.parse(text);
  if (Number.isNaN(time)) throw new Error(`not a date or time: ${JSON.stringify(text)} (use ISO 8601, e.g. 2026-11-30 or 2026-11-30T12:00:00Z)`);
  return new Date(time).toISOString();
}

export function reportCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('report')
    .description('write the compliance report: every rule of the policy with its verdicts and evidence')
    .option('--as-of <time>', 'judge the world as of this moment, by when things happened (ISO 8601; default: --known-at, else now)', isoTime)
    .option('--known-at <time>', 'judge only what the ledger had recorded by this moment: the report as it could have been run then, reproduced exactly (default: now)', isoTime)
    .option('--from <time>', 'only processing from this moment', isoTime)
    .option('--to <time>', 'only processing up to this moment', isoTime)
    .option('--format <format>', `one of ${FORMATS.join(', ')}`, 'md')
    .option('--out <file>', 'write to this new file (mode 0600) instead of standard output')
    .option('--force', 'with --out: replace the file when it is there and yours (never a link, nor another user\'s file)')
    .addHelpText('after', '\nExit status: 0 whatever the verdicts (the report is the answer); 2 when it could not be made,\n' +
      'or --out names a file already there (without --force) or a symbolic link.')
    .action(async (options: { asOf?: string; knownAt?: string; from?: string; to?: string; format: string; out?: string; force?: boolean }) => {
      if (!(FORMATS as readonly string[]).includes(options.format)) throw new Error(`unknown format ${JSON.stringify(options.format)} (one of ${FORMATS.join(', ')})`);
      const [{ buildComplianceReport }, { renderHtml, renderMarkdown }] = await Promise.all([
        import('../../../projections/compliance/report.js'), import('../render-report.js'),
      ]);
      const build = () => withLedger(globals(), async ({ store, projectionRunner, readModelsDb }) => {
        const asOf = options.asOf ?? options.knownAt ?? new Date().toISOString();
        const window = { asOf, from: options.from, to: options.to, knownAt: options.knownAt ?? null };
        const { readCitedEvents } = await import('../../../projections/event-index/event-index.js');
        if (options.knownAt) {
          const { withReadModelsKnownAt } = await import('../../projector/known-at.js');
          return withReadModelsKnownAt(store, options.knownAt, ({ db, head }) => {
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
