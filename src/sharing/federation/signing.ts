import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { Tlp } from '../../contracts/tlp';

/** DER prefixes that wrap a raw 32-byte Ed25519 seed (PKCS#8) or public key (SPKI). */
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** `env:NAME` reads the key text from the environment. */
function resolveText(text: string, env: NodeJS.ProcessEnv): string {
  const m = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(text.trim());
  if (!m) return text.trim();
  const v = env[m[1]];
  if (!v) throw new Error(`environment variable ${m[1]} is unset`);
  return v.trim();
}

function asEd25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${what} is a ${key.asymmetricKeyType} key, not Ed25519`);
  return key;
}

/** An Ed25519 private key from PEM (PKCS#8), base64 of the raw 32-byte seed or of PKCS#8 DER, or `env:NAME`. */
export function parsePrivateKey(text: string, env: NodeJS.ProcessEnv = process.env): KeyObject {
  const t = resolveText(text, env);
  if (t.includes('-----BEGIN')) return asEd25519(createPrivateKey(t), 'private key');
  const raw = Buffer.from(t, 'base64');
  if (raw.length === 32) return asEd25519(createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' }), 'private key');
  if (raw.length > 32) return asEd25519(createPrivateKey({ key: raw, format: 'der', type: 'pkcs8' }), 'private key');
  throw new Error('private key: expected PEM or base64 of 32 raw bytes');
}

/** An Ed25519 public key from PEM (SPKI), base64 of the raw 32 bytes or of SPKI DER, or `env:NAME`. */
export function parsePublicKey(text: string, env: NodeJS.ProcessEnv = process.env): KeyObject {
  const t = resolveText(text, env);
  if (t.includes('-----BEGIN')) return asEd25519(createPublicKey(t), 'public key');
  const raw = Buffer.from(t, 'base64');
  if (raw.length === 32) return asEd25519(createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' }), 'public key');
  if (raw.length > 32) return asEd25519(createPublicKey({ key: raw, format: 'der', type: 'spki' }), 'public key');
  throw new Error('public key: expected PEM or base64 of 32 raw bytes');
}

/** The raw 32 bytes of a public key, base64 (what a peer puts in its config). */
export const rawPublicKey = (key: KeyObject): string => (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length).toString('base64');

/** A fresh key pair as base64 raw keys (`gwanje`'s own format; PEM works too). */
export function generateSigningKeys(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length).toString('base64'), publicKey: rawPublicKey(publicKey) };
}

/** A signed federation message. `payload` is the JSON text signed byte for byte (no canonicalization needed). */
export const Envelope = z.strictObject({
  v: z.literal(1),
  /** Sender's federation id. */
  from: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
  /** Receiver's federation id: a message for someone else is not accepted. */
  to: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
  /** Sender's clock, ms since the epoch. */
  ts: z.number().int().positive(),
  nonce: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
  payload: z.string().min(2).max(256 * 1024),
  sig: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/).max(200),
});
export type Envelope = z.infer<typeof Envelope>;

const signedText = (e: Pick<Envelope, 'from' | 'to' | 'ts' | 'nonce' | 'payload'>) => Buffer.from(`gwanje-federation/1\n${e.from}\n${e.to}\n${e.ts}\n${e.nonce}\n${e.payload}`, 'utf8');

export function signEnvelope(msg: { from: string; to: string; payload: string }, key: KeyObject, now = Date.now(), nonce = randomBytes(18).toString('base64url')): Envelope {
  const e = { v: 1 as const, from: msg.from, to: msg.to, ts: now, nonce, payload: msg.payload };
  return { ...e, sig: sign(null, signedText(e), key).toString('base64') };
}

export type VerifyFailure = { ok: false; code: 'bad-signature' | 'stale'; detail: string };

/** Signature first (an unsigned claim says nothing), then freshness. Replay is the caller's (it needs shared state). */
export function verifyEnvelope(e: Envelope, key: KeyObject, now: number, maxSkewMs: number): { ok: true } | VerifyFailure {
  let good: boolean;
  try {
    good = verify(null, signedText(e), key, Buffer.from(e.sig, 'base64'));
  } catch {
    good = false;
  }
  if (!good) return { ok: false, code: 'bad-signature', detail: `signature does not verify against the public key configured for peer ${e.from}` };
  const skew = Math.abs(now - e.ts);
  if (skew > maxSkewMs) return { ok: false, code: 'stale', detail: `timestamp ${new Date(e.ts).toISOString()} is ${Math.round(skew / 1000)} s from this server's clock (at most ${Math.round(maxSkewMs / 1000)} s)` };
  return { ok: true };
}

/** What travels inside a payload: a share, or the revocation of one. Ordered per (sender, receiver) by seq within an epoch. */
export const FederationBody = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('share'),
    /** The sender's share id. */
    id: z.string().min(1).max(200),
    value: z.string().min(1).max(64),
    /** Global form: every jurisdiction as `<deployment>/<jurisdiction>`, origin first, the sending jurisdiction last. */
    chain: z.array(z.string().min(1).max(200)).min(1).max(32),
    tlp: Tlp,
    score: z.number().min(0).max(100),
    confidence: z.number().min(0).max(100),
    expires: z.string().max(40),
    reason: z.string().max(1000),
    evidence: z.record(z.string(), z.unknown()),
    /** Receiver jurisdictions asked for (empty: the receiver's choice). */
    to: z.array(z.string().max(200)).max(300),
  }),
  z.strictObject({ type: z.literal('revoke'), id: z.string().min(1).max(200), reason: z.string().max(1000), at: z.string().max(40) }),
]);
export type FederationBody = z.infer<typeof FederationBody>;

export const FederationPayload = z.strictObject({
  /** Outbox generation at the sender (a reset outbox starts a new epoch). */
  epoch: z.string().regex(/^[A-Za-z0-9_-]{4,64}$/),
  seq: z.number().int().min(1),
  body: FederationBody,
});
export type FederationPayload = z.infer<typeof FederationPayload>;
