import { statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { FileWitnessStore } from '../../services/records/file-witness-store.js';
import { makeTempDir } from '../fixtures/temp-dirs.js';
import { witnessStoreContract } from './witness-store-contract.js';

witnessStoreContract('a JSON file', () => {
  const file = join(makeTempDir('witness'), 'witness.json');
  return { open: async () => new FileWitnessStore(file), sharedAcrossProcesses: false, dispose: () => undefined };
});

it('the witness file is the owner\'s alone (0600)', async () => {
  const file = join(makeTempDir('witness'), 'witness.json');
  const store = new FileWitnessStore(file);
  await store.decide(async () => ({ keep: { logKey: 'l+00000000+AAAA', seen: { origin: 'l', size: 1, root: 'r', note: 'n\n' } }, result: null }));
  expect(statSync(file).mode & 0o777).toBe(0o600);
});
