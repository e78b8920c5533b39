import type Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { AuditService } from '../../audit/audit.service';
import { DetectionService } from '../../detection/detection.service';
import { DetectionStore } from '../../detection/detection.store';
import { DetectionRulesService } from '../../detection/rules/rules.service';
import type { ThreatFlaggedPayload } from '../../contracts/jobs';
import type { GwanjeConfig } from '../../infra/config/config.schema';
import { MetricsService } from '../../infra/metrics/metrics.service';
import type { QueuesService } from '../../infra/queues/queues.service';
import type { NormalizedAlert } from '../../contracts/alert';
import { ScratchStore } from './scratch.store';

/**
 * Replays alerts through the real detection (rules and scoring) under a scratch key prefix of the
 * same Redis, in the order they were received, and returns the flags it raised. Nothing is queued,
 * nothing audited, and the scratch keys are deleted at the end: the live detection state is untouched.
 */
export async function replayDetection(redis: Redis, config: GwanjeConfig, alerts: NormalizedAlert[], chunkSize = 500): Promise<ThreatFlaggedPayload[]> {
  const scratch = new ScratchStore(redis, `${config.redis.keyPrefix}:backtest-${randomBytes(4).toString('hex')}`);
  const cfg: GwanjeConfig = { ...config, redis: { ...config.redis, keyPrefix: scratch.prefix } };
  const rules = new DetectionRulesService(cfg);
  rules.onModuleInit();
  const noQueues = { enqueueBulk: async () => [] } as unknown as QueuesService;
  const noAudit = { record: async () => undefined } as unknown as AuditService;
  let now = Date.now();
  const detection = new DetectionService(cfg, new DetectionStore(redis, cfg), rules, noQueues, noAudit, new MetricsService(), undefined, () => now);
  const ordered = [...alerts].sort((a, b) => Date.parse(a.received) - Date.parse(b.received));
  const flags: ThreatFlaggedPayload[] = [];
  try {
    for (let i = 0; i < ordered.length; i += chunkSize) {
      const chunk = ordered.slice(i, i + chunkSize);
      now = Date.parse(chunk[chunk.length - 1].received) || Date.now();
      flags.push(...(await detection.scoreChunk(chunk)).flagged);
    }
  } finally {
    await scratch.drop();
  }
  return flags;
}
