import { generateKeyPairSync } from 'node:crypto';
import { chainToGlobal, chainToLocal, chainVisited } from './peers.service';
import { Envelope, generateSigningKeys, parsePrivateKey, parsePublicKey, rawPublicKey, signEnvelope, verifyEnvelope } from './signing';

describe('federation signing', () => {
  const keys = generateSigningKeys();
  const priv = parsePrivateKey(keys.privateKey);
  const pub = parsePublicKey(keys.publicKey);
  const now = 1_800_000_000_000;

  it('reads raw base64, PEM and env: keys alike', () => {
    expect(rawPublicKey(priv)).toBe(keys.publicKey);
    const pair = generateKeyPairSync('ed25519');
    const pem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const pubPem = pair.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    expect(rawPublicKey(parsePrivateKey(pem))).toBe(rawPublicKey(parsePublicKey(pubPem)));
    expect(rawPublicKey(parsePrivateKey('env:GW_TEST_KEY', { GW_TEST_KEY: keys.privateKey }))).toBe(keys.publicKey);
    expect(() => parsePrivateKey('env:GW_MISSING', {})).toThrow(/GW_MISSING is unset/);
    expect(() => parsePublicKey('aGVsbG8=')).toThrow(/32 raw bytes/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'pem', type: 'spki' }).toString();
    expect(() => parsePublicKey(rsa)).toThrow(/not Ed25519/);
  });

  it('verifies a signed message, and refuses any change, another key, or a stale clock', () => {
    const env = signEnvelope({ from: 'klid-hub', to: 'seoul-platform', payload: '{"a":1}' }, priv, now);
    expect(Envelope.parse(env)).toEqual(env);
    expect(verifyEnvelope(env, pub, now + 1000, 300_000)).toEqual({ ok: true });
    for (const tampered of [{ ...env, payload: '{"a":2}' }, { ...env, ts: env.ts + 1 }, { ...env, nonce: env.nonce.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) }, { ...env, to: 'someone-else' }, { ...env, from: 'evil' }])
      expect(verifyEnvelope(tampered, pub, now, 300_000)).toMatchObject({ ok: false, code: 'bad-signature' });
    const other = parsePublicKey(generateSigningKeys().publicKey);
    expect(verifyEnvelope(env, other, now, 300_000)).toMatchObject({ ok: false, code: 'bad-signature' });
    expect(verifyEnvelope(env, pub, now + 301_000, 300_000)).toMatchObject({ ok: false, code: 'stale' });
    expect(verifyEnvelope(env, pub, now - 301_000, 300_000)).toMatchObject({ ok: false, code: 'stale' });
    // A forged signature of the right shape.
    expect(verifyEnvelope({ ...env, sig: Buffer.alloc(64).toString('base64') }, pub, now, 300_000)).toMatchObject({ ok: false, code: 'bad-signature' });
  });

  it('every message gets a fresh nonce', () => {
    const a = signEnvelope({ from: 'a', to: 'b', payload: '{}' }, priv, now);
    const b = signEnvelope({ from: 'a', to: 'b', payload: '{}' }, priv, now);
    expect(a.nonce).not.toBe(b.nonce);
  });

  it('chains: local ids become <deployment>/<id> abroad and come back bare at home', () => {
    const g = chainToGlobal(['klid', 'seoul'], 'klid-hub');
    expect(g).toEqual(['klid-hub/klid', 'klid-hub/seoul']);
    expect(chainToLocal([...g, 'seoul-platform/seoul'], 'seoul-platform')).toEqual(['klid-hub/klid', 'klid-hub/seoul', 'seoul']);
    expect(chainToLocal(g, 'klid-hub')).toEqual(['klid', 'seoul']);
    expect(chainVisited(g, 'klid-hub')).toBe(true);
    expect(chainVisited(g, 'seoul-platform')).toBe(false);
  });
});
