/**
 * `pdl keys status`: the master-key generations, and for erased subjects — one, or all counted —
 * when the erasure reached the live store and when it reaches every backup (README "Keys and
 * backups"). `pdl keys destroyed N` records a generation the operator destroyed (a key given by
 * PDL_MASTER_KEY is never in the ledger's hands). Subject ids only: never a value.
 */
import type { Command } from 'commander';
import { ValidationError } from '../../errors.js';
import { backupReach, countBackupReach, type BackupReach } from '../../ledger/keys/erasure-reach.js';
import type { ErasedSubject, KeyStore, MasterGeneration } from '../../ledger/keys/key-store.js';
import type { GlobalOptions } from '../global-options.js';
import { printable } from '../printable.js';
import { withLedger } from '../with-ledger.js';


export function keysStatusCommands(keys: Command, globals: () => GlobalOptions): void {
  keys
    .command('status')
    .description('master-key generations, and when erasures reach every backup (all erased subjects counted, or one)')
    .option('--subject <id>', 'one erased subject: erased in the live store when, unreadable in every backup from when')
    .option('--json', 'the same as one JSON object')
    .addHelpText('after', '\nAn erasure destroys the subject\'s keys in the live store at once. A backup taken before still holds them,\n' +
      'wrapped under the master-key generation current then; it becomes unreadable when that generation is destroyed:\n' +
      'after a rotation (pdl keys rotate-master) and the backup-retention window.\n\n' +
      'Examples:\n  pdl keys status\n  pdl keys status --subject u-1003 --json')
    .action(async (options: { subject?: string; json?: boolean }) => {
      await withLedger(globals(), async ({ keys: store }) => {
        const generations = await store.generations();
        const now = new Date();
        if (options.subject !== undefined) {
          const erased = await erasureOf(store, options.subject);
          if (!erased) throw new ValidationError(`subject ${printable(options.subject.slice(0, 128))} was never erased here`);
          const reach = backupReach(erased.erasedAt, generations);
          if (options.json) console.log(JSON.stringify({ subjectId: erased.subjectId, erasedAt: erased.erasedAt, ...reach }));
          else console.log(printable(describe(erased, reach, generations, now)));
          return;
        }
        const counts = await countBackupReach(store, generations);
        if (options.json) {
          console.log(JSON.stringify({ generations, erasures: counts }));
          return;
        }
        const current = generations.at(-1)!;
        console.log(`master key: generation ${current.generation}, current since ${current.createdAt}`);
        for (const g of generations.slice(0, -1)) {
          console.log(`  generation ${g.generation}: superseded ${g.supersededAt ?? '?'}; ` +
            (g.destroyedAt ? `destroyed ${g.destroyedAt}` : `kept for backups until ${g.destroyAfter ?? '?'}${g.destroyAfter && Date.parse(g.destroyAfter) <= now.getTime() ? ' (past: destroyed at the next start, or pdl keys destroyed)' : ''}`));
        }
        console.log(`erased subjects: ${counts.total}; complete in every backup: ${counts.complete}; ` +
          `unreadable in backups from a date ahead: ${counts.scheduled}` + (counts.scheduledBy ? ` (the last ${counts.scheduledBy})` : '') +
          `; waiting for a rotation: ${counts.waitingForRotation}`);
      });
    });
  keys
    .command('destroyed')
    .description('record that a superseded master-key generation is destroyed (one kept outside the ledger, e.g. a PDL_MASTER_KEY value)')
    .argument('<generation>', 'the generation number (pdl keys status)')
    .addHelpText('after', '\nOnly after every copy of that key is gone: from then on the status says erasures from its time reached every backup.\n\nExample:\n  pdl keys destroyed 1')
    .action(async (text: string) => {
      const generation = Number(text);
      if (!Number.isInteger(generation) || generation < 1) throw new ValidationError('the generation is a whole number (pdl keys status lists them)');
      await withLedger(globals(), async ({ keys: store }) => {
        await store.recordDestroyed(generation);
        console.log(`generation ${generation} recorded destroyed.`);
      });
    });
}

async function erasureOf(store: KeyStore, subjectId: string): Promise<ErasedSubject | null> {
  const [found] = await store.erasedSubjects({ only: subjectId, limit: 1 });
  return found ?? null;
}

function describe(erased: ErasedSubject, reach: BackupReach, generations: readonly MasterGeneration[], now: Date): string {
  const head = `${erased.subjectId}: erased in the live store at ${erased.erasedAt}; `;
  if (reach.complete) {
    const at = generations.find((g) => g.generation === reach.generation)?.destroyedAt;
    return `${head}unreadable in every backup since ${at ?? reach.unreadableFrom} (generation ${reach.generation} destroyed).`;
  }
  if (reach.unreadableFrom === null) {
    return `${head}backups hold its keys under generation ${reach.generation}, still current: a rotation, then the backup window, makes them unreadable.`;
  }
  const due = Date.parse(reach.unreadableFrom) <= now.getTime();
  return `${head}unreadable in every backup from ${reach.unreadableFrom} (generation ${reach.generation}${due ? ' is past its window: destroyed at the next start, or record it with pdl keys destroyed' : ' is kept for backups until then'}).`;
}
