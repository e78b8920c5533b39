import { Body, Controller, HttpCode, Inject, Injectable, Logger, Post } from '@nestjs/common';
import { z } from 'zod';
import { Public } from '../../auth/auth.decorators';
import { CONFIG } from '../../infra/config/config.module';
import type { GwanjeConfig } from '../../infra/config/config.schema';
import { ApiDoc } from '../../infra/http/openapi';
import { ProblemError } from '../../infra/http/problem';
import { FederationIntake } from './federation.intake';
import { FederationStore } from './federation.store';
import { PeersService } from './peers.service';
import { Envelope, FederationPayload, verifyEnvelope } from './signing';

export type FederationRefusal = 'invalid' | 'misdirected' | 'unknown-peer' | 'bad-signature' | 'stale' | 'replay';

const STATUS: Record<FederationRefusal, [number, string]> = {
  invalid: [400, 'Bad Request'],
  misdirected: [400, 'Bad Request'],
  stale: [400, 'Bad Request'],
  'unknown-peer': [401, 'Unauthorized'],
  'bad-signature': [401, 'Unauthorized'],
  replay: [409, 'Conflict'],
};

/** A refusal as problem details, with a machine-readable `code` the sender uses to decide whether to retry. */
export const refusal = (code: FederationRefusal, detail: string) => new ProblemError(STATUS[code][0], STATUS[code][1], detail, { code });

export const InboxAnswer = z.object({
  accepted: z.boolean(),
  duplicate: z.boolean(),
  shareId: z.string().nullable(),
  deliveries: z.array(z.object({ jurisdiction: z.string(), delivered: z.boolean(), reason: z.string().optional(), status: z.string().optional() })),
});
export type InboxAnswer = z.infer<typeof InboxAnswer>;

/**
 * Verifies and applies a peer's signed message: known peer, addressed to us, signature, freshness,
 * replay (nonce window), then order (per peer and epoch, a seq at or below the high-water mark is a
 * duplicate: acknowledged, not applied again). Shares are then handled exactly like in-deployment
 * shares from `peer:<id>`: the receiving jurisdictions' SharingPolicy applies.
 */
@Injectable()
export class FederationReceiver {
  private readonly log = new Logger('federation-inbox');
  private readonly maxSkewMs: number;

  constructor(
    private readonly peers: PeersService,
    private readonly store: FederationStore,
    private readonly intake: FederationIntake,
    @Inject(CONFIG) config: GwanjeConfig,
  ) {
    this.maxSkewMs = config.sharing.federation.maxSkewSeconds * 1000;
  }

  async receive(raw: unknown, now = Date.now()): Promise<InboxAnswer> {
    const parsed = Envelope.safeParse(raw);
    if (!parsed.success) throw refusal('invalid', `not a federation message: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}`);
    const env = parsed.data;
    if (env.to !== this.peers.selfId) throw refusal('misdirected', `message is addressed to ${env.to}; this deployment is ${this.peers.selfId}`);
    const peer = this.peers.get(env.from);
    if (!peer) {
      await this.refused(env.from, 'unknown-peer');
      throw refusal('unknown-peer', `${env.from} is not a configured (enabled) peer of this deployment`);
    }
    const v = verifyEnvelope(env, peer.verifyKey, now, this.maxSkewMs);
    if (!v.ok) {
      await this.refused(peer.id, v.code);
      throw refusal(v.code, v.detail);
    }
    // Past the skew window a replayed message is refused as stale, so the nonce need not live longer.
    if (!(await this.store.claimNonce(peer.id, env.nonce, 2 * this.maxSkewMs + 60_000))) {
      await this.refused(peer.id, 'replay');
      throw refusal('replay', `nonce ${env.nonce} from ${peer.id} was already used`);
    }
    let payload: FederationPayload;
    try {
      payload = FederationPayload.parse(JSON.parse(env.payload));
    } catch (e) {
      throw refusal('invalid', `payload: ${e instanceof z.ZodError ? e.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : (e as Error).message}`);
    }
    if (payload.seq <= (await this.store.highWater(peer.id, payload.epoch))) {
      this.log.debug({ peer: peer.id, seq: payload.seq }, 'duplicate message acknowledged');
      return { accepted: true, duplicate: true, shareId: null, deliveries: [] };
    }
    let answer: InboxAnswer;
    if (payload.body.type === 'share') {
      const s = await this.intake.receiveFromPeer(peer, payload.body);
      answer = { accepted: true, duplicate: false, shareId: s.share.id, deliveries: s.deliveries.map(({ jurisdiction, delivered, reason, status }) => ({ jurisdiction, delivered, ...(reason ? { reason } : {}), ...(status ? { status } : {}) })) };
    } else {
      const r = await this.intake.revokeFromPeer(peer, payload.body);
      answer = { accepted: true, duplicate: false, shareId: r?.shareId ?? null, deliveries: [] };
    }
    await this.store.setHighWater(peer.id, payload.epoch, payload.seq);
    return answer;
  }

  /** Logged, not audited: refusals are unauthenticated by definition and must not let anyone write to the audit chain. */
  private async refused(peer: string, code: FederationRefusal) {
    this.log.warn({ peer, code }, 'federation message refused');
  }
}

/** The endpoint peers post signed messages to: no API key, the signature authenticates. */
@Controller('v1/federation')
export class FederationController {
  constructor(private readonly receiver: FederationReceiver) {}

  @Post('inbox')
  @Public()
  @HttpCode(200)
  @ApiDoc({
    summary: 'Signed messages from peer deployments (Ed25519 over from, to, timestamp, nonce and payload). 401 unknown peer or bad signature, 400 stale timestamp or malformed, 409 replayed nonce; problem details carry a `code`.',
    tags: ['federation'],
    body: Envelope,
    response: InboxAnswer,
  })
  inbox(@Body() body: unknown) {
    return this.receiver.receive(body);
  }
}
