/**
 * `tsx bench/compare-builds.ts <other checkout> [--reps N] [--events-1 N] [--events-1000 N]`
 *
 * The write path of this checkout next to another one's (the commit before a change: a `git
 * worktree` with node_modules linked), run by run in alternation on this machine — the before and
 * after a commit message gives. Each side runs its own compiled scenarios (dist/bench/scenarios.js,
 * compiled here first), each run in a child process of its own; medians of N (min–max).
 *
 * Rows: (b) the write path as each side runs it by default — before issue 33, read models inline;
 * from it on, deferred to the process's worker (answered, and caught up: until the read models hold
 * the last event) — and this side inline too; (b') the write path alone, read models elsewhere.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const value = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const other = args.find((arg, i) => !arg.startsWith('--') && !(i > 0 && args[i - 1]!.startsWith('--')));
if (!other || !existsSync(join(other, 'tsconfig.build.json'))) {
  process.stderr.write('usage: tsx bench/compare-builds.ts <other checkout> [--reps N] [--events-1 N] [--events-1000 N]\n');
  process.exit(2);
}
const reps = value('--reps', 3);
const events = { 1: value('--events-1', 500), 1000: value('--events-1000', 20_000) } as const;

const compile = (root: string) => execFileSync(process.execPath, [join(HERE, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
compile(HERE);
compile(resolve(other));

type Figures = Record<string, number>;
function run(root: string, options: object): Figures {
  const result = spawnSync(process.execPath, [join(root, 'dist', 'bench', 'scenarios.js'), 'pdl-append', JSON.stringify(options)], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.status !== 0) throw new Error(`pdl-append in ${root} failed with ${result.status}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as Figures;
}

const contenders = [
  { name: '(b) before: read models inline', root: resolve(other), readModels: 'inline' },
  { name: '(b) after: read models deferred', root: HERE, readModels: 'deferred' },
  { name: '(b) after: read models inline', root: HERE, readModels: 'inline' },
  { name: "(b') before: read models elsewhere", root: resolve(other), readModels: 'none' },
  { name: "(b') after: read models elsewhere", root: HERE, readModels: 'none' },
] as const;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return `${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} (${sorted[0]!.toFixed(0)}–${sorted[sorted.length - 1]!.toFixed(0)})`;
};
const lines = ['| batch | contender | answered, ev/s | read models caught up, ev/s |', '|---|---|---|---|'];
for (const batch of [1, 1000] as const) {
  const runs = new Map<string, Figures[]>(contenders.map((c) => [c.name, []]));
  for (let i = 0; i < reps; i++) {
    // The order turns every repetition: no contender always runs first (or right after the heaviest).
    const order = [...contenders.slice(i % contenders.length), ...contenders.slice(0, i % contenders.length)];
    for (const contender of order) {
      process.stderr.write(`compare: batch ${batch}, ${contender.name} (${i + 1}/${reps})\n`);
      runs.get(contender.name)!.push(run(contender.root, { events: events[batch], batch, readModels: contender.readModels }));
    }
  }
  for (const contender of contenders) {
    const figures = runs.get(contender.name)!;
    // The side before issue 33 answers once its models are inline: answered is caught up there.
    const caughtUp = contender.readModels === 'none' ? '—' : median(figures.map((f) => f.caughtUpEventsPerSecond ?? f.eventsPerSecond!));
    lines.push(`| ${batch} | ${contender.name} | ${median(figures.map((f) => f.eventsPerSecond!))} | ${caughtUp} |`);
  }
}
process.stdout.write(`\n${lines.join('\n')}\n\n${reps} repetitions, alternated; ${events[1]} events at batch 1, ${events[1000]} at batch 1000.\n`);
