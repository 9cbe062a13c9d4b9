import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AuditUnavailableError, ValidationError } from '../../errors.js';
import type { GlobalOptions } from '../global-options.js';
import { operatorActorId } from '../../composition/operator.js';
import { signWhatWasWritten } from '../sign-written.js';
import { signingKeyOptions, withLedger } from '../with-ledger.js';
import { printable } from '../printable.js';
import { withOutputFiles } from '../../composition/output-files.js';

export function exportCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('export')
    .description('write the package a subject is owed (GDPR Art. 15, 20; PIPL Art. 45): JSON and a readable HTML page, values decrypted, with a proof')
    .requiredOption('--subject <id>', 'the subject')
    .requiredOption('--out <dir>', 'the folder to write <subject>.json and <subject>.html to (new files, mode 0600)')
    .option('--force', 'replace those files when they are there and yours (never a link, nor another user\'s file)')
    .addHelpText('after', '\nValues are decrypted: the export is recorded as a DataViewed by operator:<login>, like pdl events --reveal.\n' +
      'The files are created new, never through a symbolic link: one already there is refused (exit 2) unless --force.')
    .option('--json', 'print { json, html, events, proven } (the files written) as JSON')
    .action(async (options: { subject: string; out: string; force?: boolean; json?: boolean }) => {
      mkdirSync(options.out, { recursive: true, mode: 0o700 });
      const base = join(options.out, options.subject.replace(/[^A-Za-z0-9._-]/g, '_'));
      // Created before the read is recorded or any value opened: a refused file means nothing was read.
      const written = await withOutputFiles([`${base}.json`, `${base}.html`], { force: options.force }, ([json, html]) => withLedger(globals(), async (opened) => {
        const [{ buildSubjectExport, exportSourcesOf, exportedCategories }, { renderExportHtml }, { openProver }, { dataViewedEvents }] = await Promise.all([
          import('../../export/subject-export.js'), import('../../export/render-export.js'),
          import('../../composition/open-prover.js'), import('../../ledger/data-viewed.js'),
        ]);
        const pkg = await buildSubjectExport(exportSourcesOf(opened, await openProver(opened, signingKeyOptions(globals())), 'if-grown'), options.subject, new Date().toISOString());
        if (!pkg) throw new ValidationError(`the ledger has not seen subject ${printable(options.subject.slice(0, 80))}`);
        // The read is recorded before any value is written out: every category the package opens, timeline included.
        const shown = new Map([[options.subject, new Set(exportedCategories(pkg))]]);
        const views = dataViewedEvents({ actorId: operatorActorId(), role: 'operator', operation: 'cli.export' }, shown, new Date().toISOString());
        if (views.length > 0) {
          const audit = await opened.ledger.record(views, { submitter: { kind: 'ledger', id: 'cli.read-audit' } });
          if (audit.rejected.length > 0) throw new AuditUnavailableError('the export could not be recorded as a DataViewed, so nothing was written');
          await signWhatWasWritten(opened, globals(), audit.appended);
        }
        json.write(`${JSON.stringify(pkg, null, 2)}\n`);
        html.write(renderExportHtml(pkg));
        return { base, events: pkg.timeline.length, proven: pkg.proof !== null };
      }, { readModels: true }));
      if (options.json) console.log(JSON.stringify({ json: `${written.base}.json`, html: `${written.base}.html`, events: written.events, proven: written.proven }));
      else console.log(`wrote ${written.base}.json and ${written.base}.html: ${written.events} events${written.proven ? ', each proven against a signed checkpoint' : ''}.`);
    });
}
