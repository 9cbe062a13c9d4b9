import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { Anchor } from '../../ledger/verify.js';
import type { LogVerification } from '../../composition/verify-log.js';
import { progress, type Progress } from '../progress.js';
import type { GlobalOptions } from '../global-options.js';

const DEFAULT_GRACE_MINUTES = 5;

function parseAnchor(text: string): Anchor {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(text.trim());
  if (!match) throw new InvalidArgumentError('expected POSITION:HASH, as printed by `pdl head`');
  return { position: Number(match[1]), hash: match[2]! };
}

function parseMinutes(text: string): number {
  const minutes = Number(text);
  if (!Number.isFinite(minutes) || minutes < 0) throw new InvalidArgumentError('expected a number of minutes, such as 5');
  return minutes;
}

interface VerifyOptions {
  anchor?: Anchor;
  key?: string;
  since?: string;
  grace: number;
  allowUnsigned?: boolean;
  state: string | boolean;
  json?: boolean;
}

const HELP = `
What it checks, from the log alone (no key store, master key or signing key needed; nothing is written beside the ledger):
  the hash chain from the first event; the Merkle root at every signed checkpoint stored, each note's signature; the log
  against --anchor, --since, and the latest checkpoint this verifier saw before (the state file); and that no event
  recorded more than --grace minutes ago is left uncovered by a signed checkpoint (the ledger signs soon after it writes).
  Checkpoints are checked with --key when given, else with the key the ledger records itself — which proves nothing
  against its operator: pin the key they published.

State: the latest checkpoint verified of each ledger (by verifier key and origin) is kept in
  $XDG_STATE_HOME/pdl/verify-state.json (else ~/.local/state/pdl/verify-state.json), mode 0600; --state FILE, --no-state.

Exit status: 0 everything verified; 1 it did not — the first break (its position, kind, what was expected and found:
  missing, malformed, hash-mismatch, id-mismatch, anchor-mismatch, checkpoint-mismatch, truncated, unsigned-tail) or a
  forged checkpoint; 2 it could not run (no ledger at --db, an unreadable file, a bad --key, --since or state file).
  An unsigned tail on a ledger written by an older pdl: \`pdl checkpoint\` (with the ledger's keys) signs it; or --allow-unsigned.`;

export function verifyCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('verify')
    .description('recompute the whole hash chain, and the Merkle root at every checkpoint signed, and report the first break')
    .option('--anchor <position:hash>', 'also check the hash at a position recorded earlier (from `pdl head`), catching a rewritten or truncated tail', parseAnchor)
    .option('--key <vkey>', 'the verifier key the operator published (`pdl checkpoint --verifier-key`): checkpoints must be signed by it')
    .option('--since <file>', 'a checkpoint note kept earlier (as `pdl checkpoint` prints it): the log must still hold it')
    .option('--grace <minutes>', 'events recorded longer ago than this must be covered by a signed checkpoint', parseMinutes, DEFAULT_GRACE_MINUTES)
    .option('--allow-unsigned', 'report an unsigned tail without failing (a ledger written before pdl signed on its own)')
    .option('--state <file>', 'where this verifier remembers the checkpoints it verified (default: under $XDG_STATE_HOME/pdl/)')
    .option('--no-state', 'neither read nor update the remembered checkpoints')
    .option('--json', 'print the report as JSON')
    .addHelpText('after', HELP)
    .action(async (options: VerifyOptions) => {
      const { db, store, readModels } = globals();
      const [{ verifyLog }, { VerifyState, defaultStatePath }] = await Promise.all([
        import('../../composition/verify-log.js'), import('../../composition/verify-state.js'),
      ]);
      const state = options.state === false ? null : VerifyState.load(typeof options.state === 'string' ? options.state : defaultStatePath());
      const since = options.since === undefined ? undefined : { file: options.since, note: readSince(options.since) };
      const bar: { current: Progress | null } = { current: null };
      const report = await verifyLog({
        db, store, readModels, key: options.key, since, state, anchor: options.anchor, env: process.env, now: new Date(),
        graceMinutes: options.grace, onProgress: (done, total) => (bar.current ??= progress('verifying', total)).update(done),
      });
      bar.current?.finish();
      const unsignedAllowed = options.allowUnsigned === true && report.firstBreak?.kind === 'unsigned-tail' && report.forged.length === 0;
      if (report.remembered && state) state.save();
      if (options.json) console.log(JSON.stringify({ ...report, ok: report.ok || unsignedAllowed }, null, 2));
      else print(report, unsignedAllowed);
      if (!report.ok && !unsignedAllowed) process.exitCode = 1;
    });
}

function readSince(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new InvalidArgumentError(`--since ${file} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function print(report: LogVerification, unsignedAllowed: boolean): void {
  for (const { size, why } of report.forged) console.log(`FORGED checkpoint of size ${size}: ${why}`);
  const b = report.firstBreak;
  if (report.ok || unsignedAllowed) {
    console.log(`ok: ${report.checked} events verified; head position ${report.head.position}, hash ${report.head.hash ?? '(empty ledger)'}` +
      (report.checkpoints > 0 ? `; the Merkle root matches all ${report.checkpoints} signed checkpoints` : ''));
    if (b) console.log(`  allowed (--allow-unsigned): ${b.message}`);
  } else if (!b) {
    console.log(`NOT VERIFIED: ${report.forged.length} stored checkpoint(s) are forged; the chain itself verifies (${report.checked} events).`);
  } else {
    console.log(`BROKEN at position ${b.position} (${b.kind}): ${b.message}`);
    console.log(`  expected: ${b.expected}`);
    console.log(`  found:    ${b.found}`);
    if (b.kind === 'unsigned-tail') {
      console.log(`  the chain itself verifies (${report.checked} events). If the log is as it should be, \`pdl checkpoint\` (run with the ledger's keys) signs it;`);
      console.log('  a ledger written by an older pdl, which did not sign on its own, has such a tail: --allow-unsigned reports it without failing.');
    } else console.log(`  ${report.checked} events before it verified.`);
  }
  for (const line of keyLines(report)) console.log(`  ${line}`);
  for (const held of report.heldTo) console.log(`  held to ${held.from}`);
  if (report.remembered) console.log(`  remembered: the checkpoint of size ${report.remembered.size}, in ${report.remembered.state}`);
  for (const other of report.otherKeysRemembered) {
    console.log(`  note: a ledger at this location was verified before under another key (${other}): its key was replaced, or another ledger took its place`);
  }
  console.log(`  not checked from the log alone: ${report.notChecked.join('; ')}.`);
}

function keyLines(report: LogVerification): string[] {
  const { verifierKey, source, recorded } = report.key;
  if (report.checkpoints === 0 && report.forged.length === 0) return source === 'pinned' ? [`no signed checkpoint is stored to check against the key you pinned`] : ['no signed checkpoint is stored'];
  switch (source) {
    case 'pinned':
      return [`checkpoints checked with the key you pinned (--key ${verifierKey})`,
        ...(recorded !== null && recorded !== verifierKey ? [`the ledger records another key: ${recorded}`] : [])];
    case 'ledger':
      return [`checkpoints checked with the key the ledger itself records (${verifierKey}):`,
        '  that proves nothing against its operator, who could re-sign a rewritten log: pin the key they published with --key'];
    case 'remembered':
      return [`checkpoints checked with the key this verifier saw for this ledger before (${verifierKey}): the ledger records none now`];
    case 'signing-key':
      return [`checkpoints checked with the ledger's own signing key (${verifierKey}), PDL_SIGNING_KEY or the key file beside it:`,
        '  that proves nothing against its operator: pin the key they published with --key'];
    case 'none':
      return [`${report.uncheckedCheckpoints} checkpoint(s) held to by their rows only: their signatures are NOT checked, the ledger records no verifier key`,
        '  (signed by an older pdl): pass the key the operator published with --key'];
  }
}
