import Redis from 'ioredis';
import { z } from 'zod';
import { ExpirySweeper } from '../../src/blocklist/expiry-sweeper';
import { DecisionsService } from '../../src/blocklist/decisions.service';
import type { BanInput } from '../../src/blocklist/decisions.schemas';
import { startTestApp, type TestApp } from '../helpers/app';

/**
 * The contract in domain.md: {"new":[Decision],"deleted":[Decision]}, Decision {id, origin,
 * type:"ban", scope:"Ip"|"Range", value, duration:"3h59m50s", scenario} — exactly these keys.
 */
const ContractDecision = z.strictObject({
  id: z.number().int().positive(),
  origin: z.string().min(1),
  type: z.literal('ban'),
  scope: z.enum(['Ip', 'Range']),
  value: z.string(),
  duration: z.string().regex(/^(\d+h)?(\d+m)?\d+s$/),
  scenario: z.string().min(1),
});
const ContractStream = z.strictObject({ new: z.array(ContractDecision), deleted: z.array(ContractDecision) });
const seconds = (d: string) => {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(\d+)s$/.exec(d)!;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3]);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('CrowdSec LAPI bouncer contract', () => {
  let app: TestApp;
  let decisions: DecisionsService;
  let bouncer: string;
  let redis: Redis;
  const pull = async (query: string, key = bouncer) => {
    const r = await app.call('GET', `/v1/decisions/stream?${query}`, { key });
    expect(r.status).toBe(200);
    return ContractStream.parse(r.body);
  };
  const ban = async (value: string, over: Partial<BanInput> = {}) => {
    const r = await decisions.ban({ value, jurisdiction: 'seoul-mapo', reason: 'crowdsec test', duration: '2h', score: 80, origin: { type: 'playbook', id: 'run-cs' }, actor: { type: 'playbook-run', id: 'run-cs' }, ...over });
    if (!r.ok) throw new Error(r.refused);
    return r.decision;
  };
  const values = (list: Array<{ value: string }>) => list.map((d) => d.value).sort();

  beforeAll(async () => {
    app = await startTestApp({ blocklist: { sweepIntervalMs: 60_000 } });
    decisions = app.app.get(DecisionsService);
    bouncer = (await app.call('POST', '/v1/keys', { body: { role: 'feed', jurisdiction: 'seoul-mapo', name: 'crowdsec-firewall-bouncer' } })).body.key;
    redis = new Redis(app.config.redis.url!);
  });
  afterAll(async () => {
    redis.disconnect();
    await app.close();
  });

  it('startup, new, deleted: the cycle a bouncer runs', async () => {
    // Nothing yet: arrays, never null.
    const empty = await app.call('GET', '/v1/decisions/stream?startup=true', { key: bouncer });
    expect(empty.text).toBe('{"new":[],"deleted":[]}');

    const a = await ban('45.155.205.77', { reason: 'ssh brute force' });
    const b = await ban('91.240.118.0/24');
    const first = await pull('startup=false');
    expect(first.deleted).toEqual([]);
    expect(first.new).toEqual([
      { id: Number(a.id), origin: 'gwanje', type: 'ban', scope: 'Ip', value: '45.155.205.77', duration: expect.any(String), scenario: 'ssh brute force' },
      { id: Number(b.id), origin: 'gwanje', type: 'ban', scope: 'Range', value: '91.240.118.0/24', duration: expect.any(String), scenario: 'crowdsec test' },
    ]);
    expect(seconds(first.new[0].duration)).toBeGreaterThan(2 * 3600 - 10);
    expect(seconds(first.new[0].duration)).toBeLessThanOrEqual(2 * 3600);

    // Nothing changed since this key's last pull.
    expect(await pull('startup=false')).toEqual({ new: [], deleted: [] });

    // An unblock reaches the bouncer as deleted.
    await decisions.end(a.id, { actor: { type: 'system', id: 'test' }, reason: 'false positive' });
    const second = await pull('startup=false');
    expect(second).toEqual({ new: [], deleted: [expect.objectContaining({ id: Number(a.id), value: '45.155.205.77', scope: 'Ip' })] });

    // An expiry too, before the sweep has recorded it; one that came and went between pulls is only deleted.
    const c = await ban('80.94.95.200', { duration: '1s' });
    await sleep(Date.parse(c.expires) - Date.now() + 300);
    expect(await pull('startup=false')).toEqual({ new: [], deleted: [expect.objectContaining({ id: Number(c.id), value: '80.94.95.200' })] });
    // The sweep recording that expiry afterwards does not report it a second time.
    await app.app.get(ExpirySweeper).tick();
    expect(await redis.zscore(`${app.config.redis.keyPrefix}:bl:exp`, `seoul-mapo\n${c.id}\n80.94.95.200`)).toBeNull();
    expect(await pull('startup=false')).toEqual({ new: [], deleted: [] });

    // scopes filters both lists.
    const d = await ban('193.32.162.0/24');
    const e = await ban('2a0d:5600::9');
    const ipOnly = await pull('startup=false&scopes=ip');
    expect(values(ipOnly.new)).toEqual(['2a0d:5600::9']);
    expect(e.scope).toBe('ip');
    expect(d.scope).toBe('range');

    // startup=true answers everything active and resets the cursor.
    const restart = await pull('startup=true');
    expect(values(restart.new)).toEqual(['193.32.162.0/24', '2a0d:5600::9', '91.240.118.0/24']);
    expect(values(restart.deleted)).toEqual(['45.155.205.77']); // ended early, still within its original validity
    expect(await pull('startup=false')).toEqual({ new: [], deleted: [] });

    const bad = await app.call('GET', '/v1/decisions/stream?startup=true&scopes=ip,country', { key: bouncer });
    expect(bad.status).toBe(400);
    // Parameters bouncers send that we do not use are accepted.
    expect((await app.call('GET', '/v1/decisions/stream?startup=false&origins=crowdsec&scenarios_containing=ssh&community_pull=false', { key: bouncer })).status).toBe(200);
  });

  it('the cursor is per key; HEAD does not move it', async () => {
    const other = (await app.call('POST', '/v1/keys', { body: { role: 'feed', jurisdiction: 'seoul-mapo', name: 'nginx-bouncer' } })).body.key;
    const f = await ban('185.220.101.44');
    const head = await fetch(`${app.base}/v1/decisions/stream?startup=false`, { method: 'HEAD', headers: { 'x-api-key': bouncer } });
    expect(head.status).toBe(200);
    expect((await pull('startup=false')).new.map((d) => d.id)).toEqual([Number(f.id)]);
    // A key that never pulled gets the full list on its first delta pull.
    expect(values((await pull('startup=false', other)).new)).toEqual(expect.arrayContaining(['185.220.101.44', '91.240.118.0/24']));
    expect(await pull('startup=false', other)).toEqual({ new: [], deleted: [] });
  });

  it('an expiry the sweep recorded before the pull is deleted once, then never again', async () => {
    await pull('startup=false');
    const g = await ban('80.94.95.201', { duration: '1s' });
    await sleep(Date.parse(g.expires) - Date.now() + 200);
    await app.app.get(ExpirySweeper).tick();
    expect(await redis.zscore(`${app.config.redis.keyPrefix}:bl:exp`, `seoul-mapo\n${g.id}\n80.94.95.201`)).toBeNull();
    expect(await pull('startup=false')).toEqual({ new: [], deleted: [expect.objectContaining({ id: Number(g.id), value: '80.94.95.201', duration: '0s' })] });
    expect(await pull('startup=false')).toEqual({ new: [], deleted: [] });
    // A restarted bouncer is not told about it either: it expired, nothing to remove.
    expect((await pull('startup=true')).deleted.map((d) => d.value)).not.toContain('80.94.95.201');
  });

  it('a key sees its own jurisdiction only', async () => {
    const jongno = (await app.call('POST', '/v1/keys', { body: { role: 'feed', jurisdiction: 'seoul-jongno' } })).body.key;
    expect(await pull('startup=true', jongno)).toEqual({ new: [], deleted: [] });
  });

  it('live mode: GET /v1/decisions?ip= answers the decisions covering the address, or null', async () => {
    const inRange = await app.call('GET', '/v1/decisions?ip=91.240.118.200', { key: bouncer });
    expect(inRange.status).toBe(200);
    expect(z.array(ContractDecision).parse(inRange.body).map((d) => d.value)).toEqual(['91.240.118.0/24']);
    const exact = await app.call('GET', '/v1/decisions?scope=ip&value=185.220.101.44', { key: bouncer });
    expect(z.array(ContractDecision).parse(exact.body).map((d) => d.value)).toEqual(['185.220.101.44']);
    const none = await app.call('GET', '/v1/decisions?ip=9.9.9.10', { key: bouncer });
    expect(none.text).toBe('null');
  });
});
