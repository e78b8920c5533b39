import { z } from 'zod';
import { TimeRangeQuery } from '../infra/http/time-range';
import { RunMode, RunRecord, RunStatus } from './engine/run.types';

export const LoadErrorView = z.object({ file: z.string(), line: z.number().int(), column: z.number().int(), path: z.string(), message: z.string(), hint: z.string().optional() });

export const VersionSourceView = z.object({ type: z.enum(['file', 'api', 'rollback']), file: z.string().optional(), by: z.string().optional(), from: z.number().int().optional() });
export const VersionView = z.object({ version: z.number().int(), hash: z.string(), at: z.string(), source: VersionSourceView, status: z.string(), owner: z.string(), name: z.string(), trigger: z.string(), comment: z.string().optional() });

export const BreakerView = z.object({ openedAt: z.string(), reason: z.string(), runId: z.string(), approvalId: z.string().nullable() }).nullable();

export const PlaybookSummary = VersionView.extend({ id: z.string(), removed: z.boolean(), breaker: BreakerView });
export const PlaybookListItem = PlaybookSummary.extend({
  errors: z.array(LoadErrorView).describe('load errors of the file that defines it: the version shown keeps running until the file loads again'),
});
export const FileErrorsView = z.object({
  file: z.string().describe('path under playbooks.dir'),
  playbooks: z.array(z.string()).describe('ids of your playbooks whose running version came from this file (empty: nothing of it loaded)'),
  errors: z.array(LoadErrorView).min(1),
});
export const PlaybookList = z.object({
  items: z.array(PlaybookListItem),
  files: z.array(FileErrorsView).describe('each playbook file that failed to load, with its errors'),
  errors: z.array(LoadErrorView).describe('load errors of files under playbooks.dir, all files together (their previous versions keep running)'),
});
export const PlaybookDetail = PlaybookSummary.extend({
  yaml: z.string().nullable(),
  playbook: z.record(z.string(), z.unknown()).nullable(),
  errors: z.array(LoadErrorView),
  actionsLastHour: z.number().int(),
});

/** PUT as JSON; a text/yaml or application/yaml body is the YAML itself. */
export const PutBody = z.strictObject({ yaml: z.string().min(1), comment: z.string().max(1000).optional() });
export const PutResponse = z.object({ id: z.string(), version: z.number().int(), hash: z.string(), changed: z.boolean(), status: z.string() });
export const RollbackBody = z.strictObject({ version: z.number().int().min(1), comment: z.string().max(1000).optional() });
export const ResumeBody = z.strictObject({ reason: z.string().trim().min(1).max(1000) });

export const ValidateQuery = z.strictObject({ file: z.string().max(200).optional().describe('file name used in error positions (default request.yaml)') });
export const ValidateResponse = z.object({ valid: z.boolean(), documents: z.array(z.object({ kind: z.string(), id: z.string().nullable(), line: z.number().int() })), errors: z.array(LoadErrorView) });

export const SimulateBody = z.strictObject({
  yaml: z.string().min(1).optional().describe('Playbook YAML (every Playbook document in it is simulated); or name a stored playbook'),
  playbook: z.string().optional().describe('id of a playbook in force (its current version)'),
  trigger: z.record(z.string(), z.unknown()).optional().describe('as a test writes it: {threat: {...}} | {indicator: {...}} | {alert: {...}}'),
  alerts: z.array(z.record(z.string(), z.unknown())).min(1).max(10_000).optional().describe('normalized alerts (as GET /v1/alerts returns them) instead of a trigger: replayed through detection for threat.flagged playbooks, one trigger each for alert playbooks'),
  given: z
    .strictObject({
      approval: z.enum(['approve', 'deny', 'timeout']).default('approve'),
      previous_bans: z.number().int().min(0).max(100).optional().describe("default: the target's real ban history"),
      allowlisted: z.boolean().optional().describe('default: the real allowlists'),
    })
    .prefault({}),
});
export const SimulateResponse = z.object({
  results: z.array(z.object({ playbook: z.string(), trigger: z.string().optional().describe('the trigger key (with alerts: one result per trigger)'), triggered: z.boolean(), error: z.string().optional(), status: z.string().nullable(), steps: z.array(z.object({ id: z.string(), action: z.string(), status: z.string(), input: z.unknown(), result: z.unknown(), error: z.string().nullable() })), decisions: z.array(z.object({ value: z.string(), jurisdiction: z.string(), duration: z.string() })) })),
  errors: z.array(LoadErrorView),
});

export const ListRunsQuery = z.strictObject({
  playbook: z.string().optional(),
  status: RunStatus.optional(),
  ...TimeRangeQuery,
  limit: z.coerce.number().int().min(1).max(500).default(50),
  // `<ms>:<run id>` (see RunsStore.list); a bare `<ms>` from older clients still pages.
  cursor: z.string().regex(/^\d+(:[\w-]{1,200})?$/).optional().describe('next from the previous page'),
});
export const RunPage = z.object({ items: z.array(RunRecord), next: z.string().nullable() });
export const RunStarted = z.object({ runId: z.string(), mode: RunMode });
