/**
 * The checkpoint signing key on a PKCS#11 token (a throw-away SoftHSM2 token): an Ed25519 key pair
 * generated there, found again by its label with the origin it was made for, signing notes that
 * node:crypto verifies under the published verifier key; the private half refuses to leave the token.
 */
import { createPublicKey, verify } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as Pkcs11 from 'pkcs11js';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../services/errors.js';
import { Pkcs11Token } from '../../services/ledger/keys/pkcs11-key-wrapper.js';
import { NoSigningKeyError } from '../../services/proofs/note-signer.js';
import { openTokenSigner } from '../../services/proofs/token-signer.js';
import { softhsmMissing, softhsmModule, throwAwayToken } from '../fixtures/softhsm.js';

const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');

/** Checks a note's signature line with node:crypto against the verifier key `<name>+<hash>+<base64(0x01 ‖ key)>`. */
function verifiesUnder(note: string, verifierKey: string): boolean {
  const [text, signatureLine] = note.split('\n\n') as [string, string];
  const publicKey = Buffer.from(verifierKey.split('+').slice(2).join('+'), 'base64').subarray(1);
  const signature = Buffer.from(signatureLine.trim().split(' ').at(-1)!, 'base64').subarray(4);
  return verify(null, Buffer.from(`${text}\n`), createPublicKey({ key: Buffer.concat([SPKI_ED25519, publicKey]), format: 'der', type: 'spki' }), signature);
}

describe.skipIf(!softhsmModule)(`the signing key on a PKCS#11 token${softhsmModule ? '' : ` (skipped: ${softhsmMissing})`}`, () => {
  const token = softhsmModule ? throwAwayToken() : null;
  process.env.SOFTHSM2_CONF = token?.conf;
  const config = token ? { module: token.module, token: token.token, pin: token.pin } : { module: '', token: '', pin: '' };
  const opened: Array<{ close(): void }> = [];

  it('is made on the token with its origin, found again by its label, and signs notes the verifier key checks', () => {
    try {
      made();
    } finally {
      opened.splice(0).forEach((signer) => signer.close());
    }
  });

  function made(): void {
    expect(() => openTokenSigner({ token: config, label: 'signing', create: false })).toThrow(NoSigningKeyError);
    const signer = openTokenSigner({ token: config, label: 'signing', origin: 'ledger.example.com/pdl', create: true });
    opened.push(signer);
    expect(signer.createdNow).toBe(true);
    expect(signer.name).toBe('ledger.example.com/pdl');
    const note = signer.sign('ledger.example.com/pdl\n3\nq83/o5rLT4QExJ3dyNZr0DtC3vQmQVzTqf6p+YU9dDM=\n');
    expect(verifiesUnder(note, signer.verifierKey)).toBe(true);
    expect(verifiesUnder(note.replace('\n3\n', '\n4\n'), signer.verifierKey)).toBe(false);

    // Another process (here: another session) finds the same key and its origin on the token alone.
    const again = openTokenSigner({ token: config, label: 'signing', create: true });
    opened.push(again);
    expect(again.createdNow).toBe(false);
    expect(again.verifierKey).toBe(signer.verifierKey);
    expect(verifiesUnder(again.sign('ledger.example.com/pdl\n4\nq83/o5rLT4QExJ3dyNZr0DtC3vQmQVzTqf6p+YU9dDM=\n'), signer.verifierKey)).toBe(true);
    expect(() => openTokenSigner({ token: config, label: 'signing', origin: 'elsewhere.example.com/pdl', create: true })).toThrow(ValidationError);
  }

  it('keeps the private key on the token: its value is refused', () => {
    const p11 = createRequire(import.meta.url)('pkcs11js') as typeof Pkcs11;
    const lib = new p11.PKCS11();
    lib.load(config.module);
    lib.C_Initialize();
    try {
      const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trim() === config.token)!;
      const session = lib.C_OpenSession(slot, p11.CKF_SERIAL_SESSION);
      lib.C_Login(session, p11.CKU_USER, config.pin);
      lib.C_FindObjectsInit(session, [{ type: p11.CKA_CLASS, value: p11.CKO_PRIVATE_KEY }, { type: p11.CKA_LABEL, value: 'signing' }]);
      const [key] = lib.C_FindObjects(session, 1);
      lib.C_FindObjectsFinal(session);
      expect(key).toBeDefined();
      expect(() => lib.C_GetAttributeValue(session, key!, [{ type: p11.CKA_VALUE }])).toThrow(/CKR_ATTRIBUTE_SENSITIVE/);
      const flags = lib.C_GetAttributeValue(session, key!, [{ type: p11.CKA_EXTRACTABLE }, { type: p11.CKA_NEVER_EXTRACTABLE }, { type: p11.CKA_LOCAL }]);
      expect(flags.map((f) => (f.value as Buffer)[0])).toEqual([0, 1, 1]);
    } finally {
      lib.C_Finalize();
    }
  });

  it('shares the token\'s login with the key store\'s session in one process', () => {
    const master = Pkcs11Token.open({ ...config, keyLabel: 'master' });
    try {
      const signer = openTokenSigner({ token: config, label: 'signing', create: false });
      signer.close();
      // The master key's session still works after the signer's closed.
      const key = master.findKey('master') ?? master.generateKey('master');
      const wrapper = master.wrapper(key);
      expect(wrapper.unwrap(wrapper.wrap(Buffer.alloc(32, 7), 'aad'), 'aad')).toEqual(Buffer.alloc(32, 7));
    } finally {
      master.close();
    }
  });
});
