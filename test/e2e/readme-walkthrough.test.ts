/**
 * The README's proof walkthrough (between `<!-- walkthrough:proofs -->` markers), run exactly as
 * written: every `$ ` line in one bash session from the clone's folder, on a fresh ledger, and
 * each command's standard output held to the lines the README shows under it (`…` stands for
 * what differs from run to run; a line of `…` alone for any number of lines). Only the
 * environment is the test's own: a throw-away HOME and ledger path (PDL_DB), so nothing of the
 * clone or the real home is touched.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../fixtures/temp-dirs.js';
import { startPdlServer } from './pdl-server.js';
import { runPdl } from './run-pdl.js';

interface Step {
  readonly command: string;
  readonly expected: readonly string[];
}

/** The steps of the README's walkthrough: commands (continuation lines joined) and the output shown under each. */
export function walkthroughSteps(readme: string): Step[] {
  const start = readme.indexOf('<!-- walkthrough:proofs -->');
  const end = readme.indexOf('<!-- /walkthrough:proofs -->');
  if (start < 0 || end < start) throw new Error('the README has no walkthrough between <!-- walkthrough:proofs --> markers');
  const block = readme.slice(start, end);
  const lines = block.slice(block.indexOf('```sh\n') + 6, block.lastIndexOf('```')).split('\n');
  const steps: { command: string; expected: string[] }[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    if (line.startsWith('$ ')) {
      let command = line.slice(2);
      while (command.endsWith('\\')) command = `${command}\n${lines[(i += 1)]!}`;
      steps.push({ command, expected: [] });
    } else if (line.startsWith('# ')) {
      continue;
    } else if (steps.length > 0) {
      steps[steps.length - 1]!.expected.push(line);
    }
  }
  for (const step of steps) while (step.expected.at(-1) === '') step.expected.pop();
  return steps;
}

/** This process's environment as a user's shell would have it: without what npm and vitest set for their own children. */
function userEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(npm_|NODE_OPTIONS$|VITEST|TEST$|NODE_ENV$)/i.test(name)));
}

/** Whether the output's lines are those shown: `…` in a line stands for any text, a line of `…` alone for any number of lines. */
export function showsAs(output: string, expected: readonly string[]): boolean {
  const lines = output.replace(/\n$/, '').split('\n');
  if (output === '') lines.pop();
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const patterns = expected.map((line) => (line === '…' ? null : new RegExp(`^${escape(line).split('…').join('.*')}$`)));
  const memo = new Map<string, boolean>();
  const from = (e: number, o: number): boolean => {
    const key = `${e}/${o}`;
    if (!memo.has(key)) {
      const pattern = patterns[e];
      memo.set(key, e === patterns.length ? o === lines.length
        : pattern === null ? from(e + 1, o) || (o < lines.length && from(e, o + 1))
          : o < lines.length && pattern!.test(lines[o]!) && from(e + 1, o + 1));
    }
    return memo.get(key)!;
  };
  return from(0, 0);
}

describe('the README proof walkthrough, run as written', () => {
  const steps = walkthroughSteps(readFileSync(resolve('README.md'), 'utf8'));

  it('is in the README: init with the origin, a kept checkpoint, growth, a subject\'s event', () => {
    const commands = steps.map((step) => step.command).join('\n');
    expect(commands).toMatch(/init --origin ledger\.example\.com\/pdl/);
    expect(commands).toMatch(/verify-proof .*--since/);
    expect(steps.filter((step) => step.expected.some((line) => line.startsWith('ok: '))).length).toBe(2);
  });

  it('holds output to the lines shown, … standing for text or lines, and nothing else', () => {
    expect(showsAs('a\nb 12\nc\n', ['a', 'b …', 'c'])).toBe(true);
    expect(showsAs('a\nx\ny\nc\n', ['a', '…', 'c'])).toBe(true);
    expect(showsAs('a\nc\n', ['a', '…', 'c'])).toBe(true);
    expect(showsAs('a\nb\n', ['a'])).toBe(false);
    expect(showsAs('', ['ok: …'])).toBe(false);
    expect(showsAs('not ok: x\n', ['ok: …'])).toBe(false);
    expect(showsAs('', [])).toBe(true);
  });

  it('runs from a fresh clone\'s folder, and every command prints what the README shows', () => {
    const dir = makeTempDir('readme-walkthrough');
    const home = join(dir, 'home');
    const outputs = join(dir, 'outputs');
    mkdirSync(home);
    mkdirSync(outputs);
    const script = ['set -u', ...steps.map((step, i) =>
      `{ ${step.command}\n} > '${outputs}/${i}.out' 2> '${outputs}/${i}.err'; echo $? > '${outputs}/${i}.code'`)].join('\n');
    writeFileSync(join(dir, 'walkthrough.sh'), script);
    const run = spawnSync('bash', [join(dir, 'walkthrough.sh')], {
      cwd: resolve('.'),
      env: {
        ...userEnvironment(), HOME: home, PDL_DB: join(dir, 'data', 'ledger.db'), TMPDIR: dir,
        PDL_MASTER_KEY: '', PDL_STORE: '', PDL_READ_MODELS: '', PDL_SIGNING_KEY: '', PDL_SIGNING_KEY_FILE: '', PDL_ORIGIN: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    steps.forEach((step, i) => {
      const read = (suffix: string) => readFileSync(join(outputs, `${i}.${suffix}`), 'utf8');
      const stdout = read('out');
      expect(read('code').trim(), `${step.command}\n${read('err')}`).toBe('0');
      expect(showsAs(stdout, step.expected), `${step.command}\nprinted:\n${stdout}\nREADME shows:\n${step.expected.join('\n')}`).toBe(true);
    });
  });

  it('the quick start chooses the origin at its first serve (PDL_ORIGIN), and a later serve with another is refused, naming the key\'s', async () => {
    const db = join(makeTempDir('first-serve-origin'), 'ledger.db');
    const server = await startPdlServer({ db, env: { PDL_ORIGIN: 'ledger.example.com/pdl' } });
    await server.stop();
    const key = await runPdl(['--db', db, '--embedded-keys', 'checkpoint', '--verifier-key']);
    expect(key.stdout).toMatch(/^ledger\.example\.com\/pdl\+[0-9a-f]{8}\+/);
    const again = await runPdl(['--db', db, '--embedded-keys', 'serve', '--port', '0', '--origin', 'other.example/pdl']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/for origin "ledger\.example\.com\/pdl", not "other\.example\/pdl": a ledger keeps one origin/);
  });
});
