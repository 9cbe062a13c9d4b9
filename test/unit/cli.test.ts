/** The command line in process (no binary, no spawn): every command and subcommand has --help; bad input is a clear error. */
import { CommanderError, type Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram, usageExitCode } from '../../services/cli/program.js';

/** The program with its output captured instead of printed. */
function captured(): { program: Command; output: () => string } {
  const program = buildProgram();
  let output = '';
  const capture = (command: Command) => {
    command.configureOutput({ writeOut: (text) => (output += text), writeErr: (text) => (output += text) });
    command.commands.forEach(capture);
  };
  capture(program);
  return { program, output: () => output };
}

const commandPaths = (command: Command, prefix: string[] = []): string[][] =>
  command.commands.flatMap((sub) => [[...prefix, sub.name()], ...commandPaths(sub, [...prefix, sub.name()])]);

async function run(args: string[]): Promise<{ code: number | null; output: string }> {
  const { program, output } = captured();
  try {
    await program.parseAsync(args, { from: 'user' });
    return { code: null, output: output() };
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    return { code: usageExitCode(error), output: output() };
  }
}

describe('pdl, in process', () => {
  const paths = commandPaths(buildProgram());

  it('has every command the README lists', () => {
    expect(paths.map((path) => path.join(' '))).toEqual(expect.arrayContaining([
      'serve', 'ingest', 'record', 'verify', 'events', 'head', 'erase', 'report', 'rebuild', 'project', 'migrate', 'demo',
      'keys', 'keys create', 'keys list', 'keys revoke', 'keys rotate-master', 'checkpoint', 'prove', 'verify-proof', 'export', 'validate', 'witness', 'init',
      'orders', 'orders issue', 'orders list', 'requests', 'requests list', 'requests receive', 'requests complete', 'requests refuse',
    ]));
  });

  it.each(paths.map((path) => [path.join(' '), path]))('%s --help prints its usage and exits 0', async (_, path) => {
    const { code, output } = await run([...path, '--help']);
    expect(code).toBe(0);
    expect(output).toMatch(new RegExp(`^Usage: pdl ${path.join(' ')}`));
  });

  it('an unknown option is a usage error (exit 2, not the 1 of a command\'s "no") that shows the help', async () => {
    const { code, output } = await run(['head', '--no-such-option']);
    expect(code).toBe(2);
    expect(output).toMatch(/unknown option '--no-such-option'/);
  });

  it('a bad --stop-timeout is refused with what was expected', async () => {
    const { code, output } = await run(['--stop-timeout', 'soon', 'head']);
    expect(code).not.toBe(0);
    expect(output).toMatch(/stop timeout: expected milliseconds/);
  });

  it.each([
    ['PDL_VERIFY_INTERVAL', 'daily', ['serve']],
    ['PDL_CHECKPOINT_INTERVAL', '1m', ['serve']],
    ['PDL_ORDERS_INTERVAL', 'hourly', ['serve']],
    ['PDL_CHECKPOINT_INTERVAL', '0', ['ingest', '--brokers', '127.0.0.1:1']],
  ])('%s=%s in the environment is refused before anything starts, never read as "off"', async (name, value, args) => {
    const before = process.env[name];
    process.env[name] = value;
    try {
      const { code, output } = await run(args);
      expect(code).not.toBe(0);
      expect(output).toMatch(new RegExp(`${name}.*is invalid|is invalid.*${name}|expected a number of seconds`));
    } finally {
      if (before === undefined) delete process.env[name];
      else process.env[name] = before;
    }
  });
});
