/**
 * The embedded log's body codec: frozen (a body stored today decodes in every later version),
 * readable by the reference `zstd` tool given the dictionary's bytes, lossless over every event
 * type, and refusing — without allocating — a frame altered to claim a huge size.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BODY_CODEC_ZSTD_1, BodyDecodeError, decodeBody, encodeBody, frameContentSize, parseBody } from '../../services/store/body-codec.js';
import { BODY_DICTIONARY_1 } from '../../services/store/body-dictionary-1.js';
import { openLedger } from '../../services/composition/open-ledger.js';
import { sha256Chain } from '../../services/ledger/chain.js';
import { verifyChain } from '../../services/ledger/verify.js';
import type { JsonObject } from '../../services/store/port.js';
import { SqliteEventStore } from '../../services/store/sqlite/sqlite-event-store.js';
import { anEvent } from '../fixtures/events.js';
import { randomWorkload } from '../fixtures/random-workload.js';
import { makeTempDir } from '../fixtures/temp-dirs.js';

// A body stored by codec 1 on 2026-12-05: whatever changes in the library or the code, it must still read back.
const STORED_2026_12_05 = '0128b52ffd6078019d0600228b2723308df208d84900bd616adab6dd953b482ec20e8ff3d79d84222329d91874232222b804954a62f27844045c378c8704c8c240c1c1ec3b0d1a1031192c4084b23c108a29a83532086c374c539f41587ac0b1e9ce81b38bc903b194279d85d868efde060775cb7ddae85f338f6a4296fe8de1f7625794b144ebfb25c4cf75a85682104a2c6985b722a9e769355f914ac68caac713cae7976233fd06a14f140f0077474ce8341300475048277c81fd880108cbb019ba102f358838ad28228ac6a20303c2cc0c114e014b615ec13e432680';
const ITS_JSON = '{"id":"0e3bb94f-2c1a-4dbe-a5f8-8dfc739713a5","occurredAt":"2026-01-01T01:23:20.000Z","subject":{"id":"s-1000"},"actor":{"kind":"system","id":"signup-service"},"type":"DataCollected","data":{"categories":["contact.email"],"values":{"contact.email":{"enc":"A256GCM-PAD","kid":"01a2470d-8f53-724b-943d-be5c382a402f","ct":"4uILfYmuua9QchZdaziqptDiLTZ3e8LE2IWM4gOMO2iGPcggJM5wpIzr6ikexAfQZ4i8Y_NDqXvPO2LC"}},"source":"subject","method":"registration","purposes":["account-registration"],"legalBasis":"contract","storage":{"system":"user-db","kind":"database","region":"CN"},"retention":"P3Y"},"submitter":{"kind":"operator","id":"root"}}';

const zstdMissing = spawnSync('zstd', ['--version']).error ? 'no zstd tool here (apt-get install zstd)' : '';

describe('the body codec', () => {
  it('keeps its dictionary byte for byte (a change would leave every stored body unreadable: a new dictionary is a new codec)', () => {
    expect(createHash('sha256').update(BODY_DICTIONARY_1).digest('hex')).toBe('bf62cd564274af3d5d3a25c918cf5c437d8ffe44cf842b002e310036bec26b2e');
  });

  it('reads a body stored by an earlier version', () => {
    expect(decodeBody(Buffer.from(STORED_2026_12_05, 'hex'))).toBe(ITS_JSON);
  });

  it('gives back every body of every event type exactly, in about a third of its bytes', () => {
    const bodies = randomWorkload(2_000).map((event) => JSON.stringify({ ...event, note: 'naïve 中文 ✓' }));
    let stored = 0;
    let json = 0;
    for (const body of bodies) {
      const encoded = encodeBody(body);
      expect(encoded[0]).toBe(BODY_CODEC_ZSTD_1);
      expect(decodeBody(encoded)).toBe(body);
      stored += encoded.length;
      json += Buffer.byteLength(body);
    }
    expect(stored / json).toBeLessThan(0.5);
  });

  it('parses a body by position, naming what is wrong without quoting it', () => {
    expect(parseBody(encodeBody('{"id":"e-1"}'), 7)).toEqual({ id: 'e-1' });
    expect(() => parseBody(encodeBody('li@example.cn, not JSON'), 7)).toThrow(new BodyDecodeError('position 7: its body is not valid JSON'));
    expect(() => parseBody('[1]', 8)).toThrow(new BodyDecodeError('position 8: its body is not a JSON object'));
    expect(() => parseBody(Buffer.from('7b7d', 'hex'), 9)).toThrow(new BodyDecodeError('position 9: its body is binary in no codec this ledger knows'));
  });

  it('reads JSON text as stored (rows written before the codec)', () => {
    expect(decodeBody('{"id":"e-1"}')).toBe('{"id":"e-1"}');
  });

  it.skipIf(zstdMissing)(`is read by the reference zstd tool given the dictionary's bytes${zstdMissing ? ` — skipped: ${zstdMissing}` : ''}`, () => {
    const dir = makeTempDir('codec');
    writeFileSync(join(dir, 'dictionary'), BODY_DICTIONARY_1);
    writeFileSync(join(dir, 'frame.zst'), encodeBody(ITS_JSON).subarray(1));
    expect(execFileSync('zstd', ['-q', '-d', '-c', '-D', join(dir, 'dictionary'), join(dir, 'frame.zst')], { encoding: 'utf8' })).toBe(ITS_JSON);
  });

  it('reads the content size from each form of frame header (RFC 8878 §3.1.1.1)', () => {
    const magic = [0x28, 0xb5, 0x2f, 0xfd];
    expect(frameContentSize(Uint8Array.from([...magic, 0x20, 0x05, 0]))).toBe(5); // single segment, 1 byte
    expect(frameContentSize(Uint8Array.from([...magic, 0x60, 0x00, 0x01, 0]))).toBe(256 + 256); // 2 bytes, +256
    expect(frameContentSize(Uint8Array.from([...magic, 0xa0, 0x00, 0x00, 0x01, 0x00, 0]))).toBe(65_536); // 4 bytes
    expect(frameContentSize(Uint8Array.from([...magic, 0xe0, 1, 0, 0, 0, 1, 0, 0, 0, 0]))).toBe(2 ** 32 + 1); // 8 bytes
    expect(frameContentSize(Uint8Array.from([...magic, 0x61, 0x07, 0x00, 0x01, 0]))).toBe(256 + 256); // a 1-byte dictionary id before it
    expect(frameContentSize(Uint8Array.from([...magic, 0x80, 0x58, 0x00, 0x00, 0x02, 0x00, 0]))).toBe(131_072); // a window descriptor, then 4 bytes
    expect(frameContentSize(Uint8Array.from([...magic, 0x00, 0x58, 0]))).toBeNull(); // no size declared
    expect(frameContentSize(Uint8Array.from([0x28, 0xb5, 0x2f, 0xfe, 0x20, 0x05]))).toBeNull(); // not the magic
    expect(frameContentSize(encodeBody(ITS_JSON).subarray(1))).toBe(ITS_JSON.length);
  });

  it.each([
    ['an unknown codec', Buffer.from('7b7d', 'hex'), 'its body is binary in no codec this ledger knows'],
    ['a frame cut short', encodeBody(ITS_JSON).subarray(0, -3), 'its compressed body does not decode'],
    ['no frame at all', Buffer.from('01000000000000', 'hex'), 'its body is not a whole Zstandard frame with its size'],
    ['a frame that says it holds 4 GiB', Buffer.from('0128b52ffda0ffffffff00', 'hex'), 'its body says it decodes to more than any body the ledger takes'],
  ])('refuses %s with a reason that quotes nothing stored', (_, stored, reason) => {
    let thrown: unknown;
    try {
      decodeBody(stored);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(BodyDecodeError);
    expect((thrown as BodyDecodeError).code).toBe('TAMPERED');
    expect((thrown as BodyDecodeError).message).toBe(reason);
  });
});

describe('a log holding both forms of body', () => {
  it('stores JSON text when told to, compressed bodies by default, and reads and verifies a log of both', async () => {
    const path = join(makeTempDir('bodies'), 'ledger.db');
    const events = randomWorkload(40).map((event): JsonObject => JSON.parse(JSON.stringify(event)));
    const asJson = new SqliteEventStore({ path, chain: sha256Chain, compressBodies: false });
    for (const event of events.slice(0, 20)) await asJson.append(`s-${String(event.id)}`, [{ id: String(event.id), type: String(event.type), body: event }]);
    await asJson.close();
    const compressing = new SqliteEventStore({ path, chain: sha256Chain });
    for (const event of events.slice(20)) await compressing.append(`s-${String(event.id)}`, [{ id: String(event.id), type: String(event.type), body: event }]);
    const kinds = compressing.db.prepare<[], { kind: string; n: number }>('SELECT typeof(body) AS kind, count(*) AS n FROM events GROUP BY kind ORDER BY kind').all();
    expect(kinds).toEqual([{ kind: 'blob', n: 20 }, { kind: 'text', n: 20 }]);
    const read = [];
    for await (const event of compressing.readAll()) read.push(event.body);
    expect(read).toEqual(events);
    expect(await verifyChain(compressing)).toMatchObject({ ok: true, checked: 40 });
    await compressing.close();
  });
});

describe('PDL_LOG_BODIES', () => {
  it('json keeps new bodies as text; anything but compressed or json is refused, naming both', async () => {
    const dir = makeTempDir('log-bodies');
    const opened = await openLedger({ db: join(dir, 'ledger.db'), env: { PDL_LOG_BODIES: 'json' } });
    try {
      await opened.ledger.record([anEvent('DataUsed')]);
      expect(opened.readModelsDb.prepare<[], { kind: string }>('SELECT typeof(body) AS kind FROM events').get()).toEqual({ kind: 'text' });
    } finally {
      await opened.close();
    }
    await expect(openLedger({ db: join(dir, 'ledger.db'), env: { PDL_LOG_BODIES: 'zip' } })).rejects.toThrow(/PDL_LOG_BODIES is "compressed" \(the default\) or "json".*not "zip"/);
  });
});
