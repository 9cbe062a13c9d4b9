/**
 * `npm run bench:pkcs11 [-- --seconds N]`: the master key on a throw-away SoftHSM2 token
 * (test/fixtures/softhsm.ts): what the token offers for it — AES-GCM through C_Encrypt (what
 * services/ledger/keys/pkcs11-key-wrapper.ts uses), AES key wrap, HMAC, Ed25519 (listed, and a
 * key pair generated and a signature checked) — then data keys wrapped and unwrapped a second,
 * one call at a time as the key store makes them. Prints one JSON line last. Without SoftHSM2 it
 * says why and exits 0.
 */
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as Pkcs11 from 'pkcs11js';
import { Pkcs11Token } from '../services/ledger/keys/pkcs11-key-wrapper.js';
import { removeTempDirs } from '../test/fixtures/temp-dirs.js';
import { softhsmMissing, softhsmModule, throwAwayToken } from '../test/fixtures/softhsm.js';

const args = process.argv.slice(2);
const seconds = args.includes('--seconds') ? Number(args[args.indexOf('--seconds') + 1]) : 2;

// PKCS#11 3.0 numbers pkcs11js 2 does not name.
const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
const CKM_EDDSA = 0x1057;
/** The DER of the printable string "edwards25519": the curve as RFC 8410 / PKCS#11 3.0 name it. */
const ED25519_PARAMS = Buffer.concat([Buffer.from([0x13, 12]), Buffer.from('edwards25519')]);

interface Offered {
  readonly listed: boolean;
  readonly flags: string[];
}

function mechanisms(p11: typeof Pkcs11, lib: Pkcs11.PKCS11, slot: Buffer): Record<string, Offered> {
  const listed = new Set(lib.C_GetMechanismList(slot));
  const names: Record<string, number> = {
    CKM_AES_GCM: p11.CKM_AES_GCM, CKM_AES_KEY_WRAP: p11.CKM_AES_KEY_WRAP, CKM_AES_KEY_WRAP_PAD: p11.CKM_AES_KEY_WRAP_PAD,
    CKM_SHA256_HMAC: p11.CKM_SHA256_HMAC, CKM_EC_EDWARDS_KEY_PAIR_GEN, CKM_EDDSA,
  };
  const flagNames: Record<string, number> = { encrypt: p11.CKF_ENCRYPT, decrypt: p11.CKF_DECRYPT, wrap: p11.CKF_WRAP, unwrap: p11.CKF_UNWRAP, sign: p11.CKF_SIGN, verify: p11.CKF_VERIFY, generateKeyPair: p11.CKF_GENERATE_KEY_PAIR };
  return Object.fromEntries(Object.entries(names).map(([name, mechanism]) => {
    if (!listed.has(mechanism)) return [name, { listed: false, flags: [] }];
    const { flags } = lib.C_GetMechanismInfo(slot, mechanism);
    return [name, { listed: true, flags: Object.entries(flagNames).filter(([, bit]) => (flags & bit) !== 0).map(([flag]) => flag) }];
  }));
}

/** An Ed25519 key pair made on the token, a signature made there and checked here with node:crypto. */
function ed25519(p11: typeof Pkcs11, lib: Pkcs11.PKCS11, session: Buffer): string {
  try {
    const { publicKey, privateKey } = lib.C_GenerateKeyPair(session, { mechanism: CKM_EC_EDWARDS_KEY_PAIR_GEN },
      [{ type: p11.CKA_EC_PARAMS, value: ED25519_PARAMS }, { type: p11.CKA_TOKEN, value: false }, { type: p11.CKA_VERIFY, value: true }],
      [{ type: p11.CKA_TOKEN, value: false }, { type: p11.CKA_SIGN, value: true }, { type: p11.CKA_SENSITIVE, value: true }, { type: p11.CKA_EXTRACTABLE, value: false }]);
    const message = Buffer.from('a checkpoint');
    lib.C_SignInit(session, { mechanism: CKM_EDDSA }, privateKey);
    const signature = lib.C_Sign(session, message, Buffer.alloc(64));
    const [point] = lib.C_GetAttributeValue(session, publicKey, [{ type: p11.CKA_EC_POINT }]);
    const raw = point!.value as Buffer;
    // CKA_EC_POINT is the 32-byte point, DER OCTET STRING-wrapped by most tokens (SoftHSM included).
    const key = raw.length === 34 && raw[0] === 0x04 ? raw.subarray(2) : raw;
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), key]);
    return verify(null, message, createPublicKey({ key: spki, format: 'der', type: 'spki' }), signature) ? 'signs (checked with node:crypto)' : 'signs, but the signature did not check';
  } catch (error) {
    return `refused: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
  }
}

function rate(work: () => void): number {
  const until = performance.now() + seconds * 1000;
  let done = 0;
  const started = performance.now();
  while (performance.now() < until) {
    for (let i = 0; i < 100; i++) work();
    done += 100;
  }
  return Math.round(done / ((performance.now() - started) / 1000));
}

if (!softhsmModule) {
  console.log(`skipped: ${softhsmMissing}`);
  process.exit(0);
}
const made = throwAwayToken('pdl-bench');
process.env.SOFTHSM2_CONF = made.conf;
try {
  // The probe first, on its own load of the module (the token class keeps one per process).
  const p11 = createRequire(import.meta.url)('pkcs11js') as typeof Pkcs11;
  const lib = new p11.PKCS11();
  lib.load(made.module);
  lib.C_Initialize();
  let offered: Record<string, Offered>;
  let signing: string;
  let version: string;
  try {
    const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trim() === made.token)!;
    const info = lib.C_GetInfo();
    version = `${info.manufacturerID.trim()} ${info.libraryDescription.trim()} ${info.libraryVersion.major}.${info.libraryVersion.minor}`;
    offered = mechanisms(p11, lib, slot);
    const session = lib.C_OpenSession(slot, p11.CKF_RW_SESSION | p11.CKF_SERIAL_SESSION);
    lib.C_Login(session, p11.CKU_USER, made.pin);
    signing = ed25519(p11, lib, session);
    lib.C_CloseSession(session);
  } finally {
    lib.C_Finalize();
  }
  console.log(`module: ${version}`);
  for (const [name, { listed, flags }] of Object.entries(offered)) console.log(`  ${name.padEnd(28)} ${listed ? flags.join(', ') : 'not offered'}`);
  console.log(`  Ed25519 on the token:        ${signing}`);

  const token = Pkcs11Token.open({ module: made.module, token: made.token, pin: made.pin, keyLabel: 'pdl-master' });
  try {
    const wrapper = token.wrapper(token.generateKey('pdl-master'));
    const dataKey = randomBytes(32);
    const aad = 'pdl:data-key:u-1:k-1';
    const wrapped = wrapper.wrap(dataKey, aad);
    const wraps = rate(() => wrapper.wrap(dataKey, aad));
    const unwraps = rate(() => wrapper.unwrap(wrapped, aad));
    console.log(`AES-256-GCM on the token, one call at a time, ${seconds} s each: ${wraps.toLocaleString('en')} wraps/s, ${unwraps.toLocaleString('en')} unwraps/s`);
    console.log(JSON.stringify({ module: version, wrapsPerSecond: wraps, unwrapsPerSecond: unwraps, ed25519: signing, mechanisms: offered }));
  } finally {
    token.close();
  }
} finally {
  removeTempDirs();
}
