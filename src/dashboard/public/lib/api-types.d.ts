// Generated from /openapi.json by `node scripts/gen-dashboard-types.js`: do not edit.
// The dashboard calls the API through lib/api.js, whose request and response types come from here;
// `tsc -p src/dashboard/public/jsconfig.json` checks every field a view reads or sends (npm test).

export type Problem = {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  instance: string;
  errors?: Array<{
    path: string;
    message: string;
  }>;
};

export interface Paths {
  "/health": {
    get: {
      path: never;
      query: never;
      body: never;
      response: {
        status: "ok" | "down";
        redis: "up" | "down";
        queues: Record<string, Record<string, number>>;
        ingest?: {
          backlog: number;
          received: number;
          stored: number;
          scored: number;
          shed: number;
          refusing: "ingest_backlog" | "redis_memory_high" | null;
        };
      };
    };
  };
  "/metrics": {
    get: {
      path: never;
      query: never;
      body: never;
      response: string;
    };
  };
  "/taxii2/*": {
    get: {
      path: never;
      query: never;
      body: never;
      response: string;
    };
  };
  "/v1/alerts": {
    get: {
      path: never;
      query: { src_ip?: string; jurisdiction?: string; since?: string; until?: string; limit?: number; cursor?: string };
      body: never;
      response: {
        items: Array<{
          id: string;
          timestamp: string;
          timezone_source: "explicit" | "configured" | "received";
          received: string;
          jurisdiction: string;
          observer: {
            vendor: string;
            product: string;
            name: string | null;
          };
          source: {
            ip: string;
            port: number | null;
          };
          destination: {
            ip: string | null;
            port: number | null;
          };
          transport: string | null;
          rule: {
            id: string | null;
            name: string | null;
            category: string | null;
          };
          action: {
            value: "allowed" | "blocked" | "unknown";
            raw: string | null;
          };
          severity: {
            id: number;
            raw: string | null;
          };
          format: string;
          original: string;
          enrichment: {
            country: string | null;
            asn: number | null;
            org: string | null;
          } | null;
        }>;
        next: string | null;
      };
    };
  };
  "/v1/allowlist": {
    get: {
      path: never;
      query: { jurisdiction?: string; bundled?: "true" | "false" };
      body: never;
      response: {
        items: Array<{
          id: string;
          value: string;
          jurisdiction: string | null;
          reason: string;
          created: string;
          createdBy: string;
          expires: string | null;
        }>;
        bundled?: Array<{
          source: "allowlist" | "bundled" | "jurisdiction";
          value: string;
          reason: string;
          id: string | null;
          jurisdiction: string | null;
        }>;
      };
    };
    post: {
      path: never;
      query: never;
      body: {
        value: string;
        reason: string;
        jurisdiction?: string;
        global?: boolean;
        expires?: string;
      };
      response: {
        entry: {
          id: string;
          value: string;
          jurisdiction: string | null;
          reason: string;
          created: string;
          createdBy: string;
          expires: string | null;
        };
        ended: Array<string>;
      };
    };
  };
  "/v1/allowlist/check/{ip}": {
    get: {
      path: { ip: string };
      query: { jurisdiction?: string };
      body: never;
      response: {
        ip: string;
        jurisdiction: string;
        allowlisted: boolean;
        reason: string | null;
        match: {
          source: "allowlist" | "bundled" | "jurisdiction";
          value: string;
          reason: string;
          id: string | null;
          jurisdiction: string | null;
        } | null;
      };
    };
  };
  "/v1/allowlist/{id}": {
    delete: {
      path: { id: string };
      query: never;
      body: {
        reason: string;
      };
      response: {
        id: string;
        value: string;
        jurisdiction: string | null;
        reason: string;
        created: string;
        createdBy: string;
        expires: string | null;
      };
    };
  };
  "/v1/approvals": {
    get: {
      path: never;
      query: { status?: "pending" | "approved" | "rejected" | "timed-out"; jurisdiction?: string; since?: string; until?: string; limit?: number };
      body: never;
      response: {
        items: Array<{
          id: string;
          jurisdiction: string;
          kind: "playbook-step" | "share-review" | "circuit-breaker";
          summary: string;
          change: Record<string, unknown>;
          evidence: Record<string, unknown> | null;
          approvers: {
            roles: Array<"admin" | "analyst">;
            jurisdictions: Array<string>;
          };
          quorum: number;
          timeoutMs: number;
          onTimeout: "deny" | "approve";
          requestedBy: {
            type: "key" | "playbook-run" | "peer" | "system" | "cli";
            id: string;
            role?: string;
            jurisdiction?: string;
          };
          subject: Record<string, string>;
          idempotencyKey: string | null;
          status: "pending" | "approved" | "rejected" | "timed-out";
          created: string;
          deadline: string;
          decided: string | null;
          approved: boolean | null;
          votes: Array<{
            vote: "approve" | "reject";
            by: {
              keyId: string;
              role: string;
              jurisdiction: string;
            };
            comment: string | null;
            at: string;
          }>;
          notified: boolean;
        }>;
      };
    };
  };
  "/v1/approvals/{id}": {
    get: {
      path: { id: string };
      query: never;
      body: never;
      response: {
        id: string;
        jurisdiction: string;
        kind: "playbook-step" | "share-review" | "circuit-breaker";
        summary: string;
        change: Record<string, unknown>;
        evidence: Record<string, unknown> | null;
        approvers: {
          roles: Array<"admin" | "analyst">;
          jurisdictions: Array<string>;
        };
        quorum: number;
        timeoutMs: number;
        onTimeout: "deny" | "approve";
        requestedBy: {
          type: "key" | "playbook-run" | "peer" | "system" | "cli";
          id: string;
          role?: string;
          jurisdiction?: string;
        };
        subject: Record<string, string>;
        idempotencyKey: string | null;
        status: "pending" | "approved" | "rejected" | "timed-out";
        created: string;
        deadline: string;
        decided: string | null;
        approved: boolean | null;
        votes: Array<{
          vote: "approve" | "reject";
          by: {
            keyId: string;
            role: string;
            jurisdiction: string;
          };
          comment: string | null;
          at: string;
        }>;
        notified: boolean;
      };
    };
  };
  "/v1/approvals/{id}/approve": {
    post: {
      path: { id: string };
      query: never;
      body: {
        comment?: string;
      };
      response: {
        id: string;
        jurisdiction: string;
        kind: "playbook-step" | "share-review" | "circuit-breaker";
        summary: string;
        change: Record<string, unknown>;
        evidence: Record<string, unknown> | null;
        approvers: {
          roles: Array<"admin" | "analyst">;
          jurisdictions: Array<string>;
        };
        quorum: number;
        timeoutMs: number;
        onTimeout: "deny" | "approve";
        requestedBy: {
          type: "key" | "playbook-run" | "peer" | "system" | "cli";
          id: string;
          role?: string;
          jurisdiction?: string;
        };
        subject: Record<string, string>;
        idempotencyKey: string | null;
        status: "pending" | "approved" | "rejected" | "timed-out";
        created: string;
        deadline: string;
        decided: string | null;
        approved: boolean | null;
        votes: Array<{
          vote: "approve" | "reject";
          by: {
            keyId: string;
            role: string;
            jurisdiction: string;
          };
          comment: string | null;
          at: string;
        }>;
        notified: boolean;
      };
    };
  };
  "/v1/approvals/{id}/reject": {
    post: {
      path: { id: string };
      query: never;
      body: {
        comment?: string;
      };
      response: {
        id: string;
        jurisdiction: string;
        kind: "playbook-step" | "share-review" | "circuit-breaker";
        summary: string;
        change: Record<string, unknown>;
        evidence: Record<string, unknown> | null;
        approvers: {
          roles: Array<"admin" | "analyst">;
          jurisdictions: Array<string>;
        };
        quorum: number;
        timeoutMs: number;
        onTimeout: "deny" | "approve";
        requestedBy: {
          type: "key" | "playbook-run" | "peer" | "system" | "cli";
          id: string;
          role?: string;
          jurisdiction?: string;
        };
        subject: Record<string, string>;
        idempotencyKey: string | null;
        status: "pending" | "approved" | "rejected" | "timed-out";
        created: string;
        deadline: string;
        decided: string | null;
        approved: boolean | null;
        votes: Array<{
          vote: "approve" | "reject";
          by: {
            keyId: string;
            role: string;
            jurisdiction: string;
          };
          comment: string | null;
          at: string;
        }>;
        notified: boolean;
      };
    };
  };
  "/v1/audit": {
    get: {
      path: never;
      query: { since?: string; jurisdiction?: string; limit?: number; cursor?: string };
      body: never;
      response: {
        items: Array<{
          seq: number;
          at: string;
          actor: {
            type: "key" | "playbook-run" | "peer" | "system" | "cli";
            id: string;
            role?: string;
            jurisdiction?: string;
          };
          action: string;
          jurisdiction: string | null;
          target: {
            type: string;
            id: string;
          };
          reason: string | null;
          detail: Record<string, unknown>;
          prevHash: string;
          hash: string;
        }>;
        next: string | null;
      };
    };
  };
  "/v1/audit/verify": {
    get: {
      path: never;
      query: never;
      body: never;
      response: {
        valid: boolean;
        entries: number;
        firstBroken: {
          seq: number;
          reason: string;
        } | null;
      };
    };
  };
  "/v1/decisions": {
    get: {
      path: never;
      query: { jurisdiction?: string; active?: "true" | "false"; value?: string; since?: string; until?: string; limit?: number; cursor?: string };
      body: never;
      response: {
        items: Array<{
          id: string;
          value: string;
          scope: "ip" | "range";
          jurisdiction: string;
          type: "ban";
          created: string;
          expires: string;
          origin: {
            type: "playbook" | "manual" | "shared";
            id: string;
            chain?: Array<string>;
            share?: string;
          };
          reason: string;
          score: number;
          confidence: number;
          tlp: "CLEAR" | "GREEN" | "AMBER" | "AMBER+STRICT" | "RED";
          repeat: number;
          ended: {
            at: string;
            by: {
              type: "key" | "playbook-run" | "peer" | "system" | "cli";
              id: string;
              role?: string;
              jurisdiction?: string;
            };
            reason: string;
          } | null;
          status: "active" | "expired" | "ended";
        }>;
        next: string | null;
      };
    };
    post: {
      path: never;
      query: never;
      body: {
        value: string;
        duration?: string;
        reason: string;
        jurisdiction?: string;
        score?: number;
        confidence?: number;
        tlp?: "CLEAR" | "GREEN" | "AMBER" | "AMBER+STRICT" | "RED";
        escalate?: boolean;
      };
      response: {
        id: string;
        value: string;
        scope: "ip" | "range";
        jurisdiction: string;
        type: "ban";
        created: string;
        expires: string;
        origin: {
          type: "playbook" | "manual" | "shared";
          id: string;
          chain?: Array<string>;
          share?: string;
        };
        reason: string;
        score: number;
        confidence: number;
        tlp: "CLEAR" | "GREEN" | "AMBER" | "AMBER+STRICT" | "RED";
        repeat: number;
        ended: {
          at: string;
          by: {
            type: "key" | "playbook-run" | "peer" | "system" | "cli";
            id: string;
            role?: string;
            jurisdiction?: string;
          };
          reason: string;
        } | null;
        status: "active" | "expired" | "ended";
      };
    };
  };
  "/v1/decisions/events": {
    get: {
      path: never;
      query: { jurisdiction?: string };
      body: never;
      response: string;
    };
  };
  "/v1/decisions/stream": {
    get: {
      path: never;
      query: { startup?: "true" | "false"; scopes?: string };
      body: never;
      response: {
        new: Array<{
          id: number;
          origin: string;
          type: "ban";
          scope: "Ip" | "Range";
          value: string;
          duration: string;
          scenario: string;
        }>;
        deleted: Array<{
          id: number;
          origin: string;
          type: "ban";
          scope: "Ip" | "Range";
          value: string;
          duration: string;
          scenario: string;
        }>;
      };
    };
  };
  "/v1/decisions/{id}": {
    delete: {
      path: { id: string };
      query: never;
      body: {
        reason: string;
      };
      response: {
        id: string;
        value: string;
        scope: "ip" | "range";
        jurisdiction: string;
        type: "ban";
        created: string;
        expires: string;
        origin: {
          type: "playbook" | "manual" | "shared";
          id: string;
          chain?: Array<string>;
          share?: string;
        };
        reason: string;
        score: number;
        confidence: number;
        tlp: "CLEAR" | "GREEN" | "AMBER" | "AMBER+STRICT" | "RED";
        repeat: number;
        ended: {
          at: string;
          by: {
            type: "key" | "playbook-run" | "peer" | "system" | "cli";
            id: string;
            role?: string;
            jurisdiction?: string;
          };
          reason: string;
        } | null;
        status: "active" | "expired" | "ended";
      };
    };
    get: {
      path: { id: string };
      query: never;
      body: never;
      response: {
        id: string;
        value: string;
        scope: "ip" | "range";
        jurisdiction: string;
        type: "ban";
        created: string;
        expires: string;
        origin: {
          type: "playbook" | "manual" | "shared";
          id: string;
          chain?: Array<string>;
          share?: string;
        };
        reason: string;
        score: number;
        confidence: number;
        tlp: "CLEAR" | "GREEN" | "AMBER" | "AMBER+STRICT" | "RED";
        repeat: number;
        ended: {
          at: string;
          by: {
            type: "key" | "playbook-run" | "peer" | "system" | "cli";
            id: string;
            role?: string;
            jurisdiction?: string;
          };
          reason: string;
        } | null;
        status: "active" | "expired" | "ended";
      };
    };
  };
  "/v1/federation/inbox": {
    post: {
      path: never;
      query: never;
      body: {
        v: 1;
        from: string;
        to: string;
        ts: number;
        nonce: string;
        payload: string;
        sig: string;
      };
      response: {
        accepted: boolean;
        duplicate: boolean;
        shareId: string | null;
        deliveries: Array<{
          jurisdiction: string;
          delivered: boolean;
          reason?: string;
          status?: string;
        }>;
      };
    };
  };
  "/v1/feeds/{jurisdiction}/blocklist.csv": {
    get: {
      path: { jurisdiction: string };
      query: { max_entries?: number; min_score?: number; comments?: "true" | "false" };
      body: never;
      response: string;
    };
  };
  "/v1/feeds/{jurisdiction}/blocklist.json": {
    get: {
      path: { jurisdiction: string };
      query: { max_entries?: number; min_score?: number; comments?: "true" | "false" };
      body: never;
      response: string;
    };
  };
  "/v1/feeds/{jurisdiction}/edl.txt": {
    get: {
      path: { jurisdiction: string };
      query: { max_entries?: number; min_score?: number; comments?: "true" | "false" };
      body: never;
      response: string;
    };
  };
  "/v1/feeds/{jurisdiction}/fortigate.txt": {
    get: {
      path: { jurisdiction: string };
      query: { max_entries?: number; min_score?: number };
      body: never;
      response: string;
    };
  };
  "/v1/feeds/{jurisdiction}/stix.json": {
    get: {
      path: { jurisdiction: string };
      query: { max_entries?: number; min_score?: number; comments?: "true" | "false" };
      body: never;
      response: string;
    };
  };
  "/v1/formats": {
    get: {
      path: never;
      query: never;
      body: never;
      response: {
        items: Array<{
          id: string;
          builtIn: boolean;
          name: string;
          vendor: string | null;
          file: string | null;
          line: number | null;
          source: string | null;
          autoDetect: boolean;
          samples: number;
        }>;
        errors: Array<{
          file: string;
          line: number;
          column: number;
          path: string;
          message: string;
          hint?: string;
        }>;
      };
    };
  };
  "/v1/formats/validate": {
    post: {
      path: never;
      query: { file?: string };
      body: never;
      response: {
        valid: boolean;
        formats: Array<{
          id: string;
          line: number;
          samples: Array<{
            index: number;
            ok: boolean;
            outcome: "alert" | "skip" | "reject";
            fields?: Record<string, string | number | null | null>;
            reason?: string;
            failures: Array<{
              field: string;
              expected: unknown;
              got: unknown;
              message: string;
            }>;
          }>;
        }>;
        errors: Array<{
          file: string;
          line: number;
          column: number;
          path: string;
          message: string;
          hint?: string;
        }>;
      };
    };
  };
  "/v1/ingest": {
    post: {
      path: never;
      query: { format?: string; jurisdiction?: string; timezone?: string };
      body: string;
      response: {
        batchId: string;
        accepted: number;
        skipped: number;
        rejected: Array<{
          line: number;
          error: string;
        }>;
        rejectedCount: number;
        duplicate: boolean;
      };
    };
  };
  "/v1/ingest/rejects": {
    get: {
      path: never;
      query: { jurisdiction?: string; limit?: number; cursor?: string };
      body: never;
      response: {
        items: Array<{
          id: string;
          at: string;
          jurisdiction: string;
          batchId: string;
          source: string;
          line?: number;
          sender?: string;
          listener?: string;
          received?: string;
          format: string;
          error: string;
          raw: string;
        }>;
        next: string | null;
      };
    };
  };
  "/v1/ip-tags/{ip}": {
    get: {
      path: { ip: string };
      query: never;
      body: never;
      response: {
        ip: string;
        tags: Array<Record<string, unknown>>;
      };
    };
  };
  "/v1/ips/{ip}": {
    get: {
      path: { ip: string };
      query: never;
      body: never;
      response: {
        ip: string;
        score: number;
        contributions: Array<{
          factor: string;
          points: number;
          detail: string;
        }>;
        firstSeen: string;
        lastSeen: string;
        jurisdictions: Array<string>;
        alertCount: number;
        flagged: boolean;
        flag: {
          generation: number;
          score: number;
          at: string;
        } | null;
        threshold: number;
        blockedIn: Array<string>;
        country: string | null;
        asn: {
          number: number;
          org: string | null;
        } | null;
        view: "federation" | "partial";
        scoredAt: string;
        jurisdictionsSeen: Array<{
          id: string;
          lastSeen: string;
        }>;
        alertsBySignature: Array<{
          signature: string;
          name: string | null;
          count: number;
        }>;
        rules: Array<{
          id: string;
          name: string | null;
          lastFired: string;
          value: number;
          points: number;
        }>;
        recurrence: {
          blocks: number;
          past: number;
          lastBlock: string | null;
        };
        allowlist: {
          allowlisted: boolean;
          reason: string | null;
        } | null;
        recentAlerts: Array<{
          id: string;
          timestamp: string;
          timezone_source: "explicit" | "configured" | "received";
          received: string;
          jurisdiction: string;
          observer: {
            vendor: string;
            product: string;
            name: string | null;
          };
          source: {
            ip: string;
            port: number | null;
          };
          destination: {
            ip: string | null;
            port: number | null;
          };
          transport: string | null;
          rule: {
            id: string | null;
            name: string | null;
            category: string | null;
          };
          action: {
            value: "allowed" | "blocked" | "unknown";
            raw: string | null;
          };
          severity: {
            id: number;
            raw: string | null;
          };
          format: string;
          original: string;
        }>;
        extensions: Record<string, unknown>;
      };
    };
  };
  "/v1/jurisdictions": {
    get: {
      path: never;
      query: never;
      body: never;
      response: {
        items: Array<{
          id: string;
          name: string;
          nameEn: string | null;
          parent: string | null;
          children: Array<string>;
          hub: boolean;
          cidrs: Array<string>;
        }>;
      };
    };
  };
  "/v1/keys": {
    get: {
      path: never;
      query: { jurisdiction?: string };
      body: never;
      response: {
        items: Array<{
          id: string;
          name: string;
          role: "admin" | "analyst" | "sensor" | "feed";
          jurisdiction: string;
          created: string;
          createdBy: string;
          revoked: string | null;
        }>;
      };
    };
    post: {
      path: never;
      query: never;
      body: {
        role: "admin" | "analyst" | "sensor" | "feed";
        jurisdiction?: string;
        name?: string;
      };
      response: {
        key: string;
        record: {
          id: string;
          name: string;
          role: "admin" | "analyst" | "sensor" | "feed";
          jurisdiction: string;
          created: string;
          createdBy: string;
          revoked: string | null;
        };
      };
    };
  };
  "/v1/keys/{id}": {
    delete: {
      path: { id: string };
      query: never;
      body: never;
      response: {
        id: string;
        name: string;
        role: "admin" | "analyst" | "sensor" | "feed";
        jurisdiction: string;
        created: string;
        createdBy: string;
        revoked: string | null;
      };
    };
  };
  "/v1/learning/examples": {
    get: {
      path: never;
      query: { jurisdiction?: string; format?: "json" | "ndjson"; limit?: number };
      body: never;
      response: {
        items: Array<{
          id: string;
          jurisdiction: string;
          value: string;
          label: "threat" | "benign";
          local: {
            features: Record<string, number>;
            factors: Array<{
              factor: string;
              points: number;
              detail: string;
            }>;
            score: number;
          } | null;
          federation: {
            features: Record<string, number>;
            factors: Array<{
              factor: string;
              points: number;
              detail: string;
            }>;
            score: number;
          } | null;
          context: {
            rules: Array<string>;
            country: string | null;
            asn: number | null;
            jurisdictions: Array<string>;
          };
          provenance: {
            kind: "approval" | "unblock-false-positive" | "manual-block" | "allowlist" | "share-confirmed";
            event: string;
            ref: string;
            by: string;
            at: string;
          };
          tlp: "CLEAR" | "GREEN" | "AMBER" | "AMBER+STRICT" | "RED";
        }>;
      };
    };
  };
  "/v1/models": {
    get: {
      path: never;
      query: { jurisdiction?: string };
      body: never;
      response: {
        items: Array<{
          id: string;
          jurisdiction: string;
          kind: "jurisdiction" | "hub";
          version: number;
          status: "shadow" | "live" | "retired";
          created: string;
          trainedBy: string;
          trainingSize: number;
          labels: {
            threat: number;
            benign: number;
          };
          evaluation: {
            size: number;
            threshold: number;
            confusion: {
              tp: number;
              fp: number;
              tn: number;
              fn: number;
            };
            precision: number | null;
            recall: number | null;
            rocAuc: number | null;
            brier: number | null;
            reliability: Array<{
              from: number;
              to: number;
              count: number;
              meanPredicted: number;
              observed: number;
            }>;
          };
          promoted: {
            at: string;
            by: string;
            reason: string;
          } | null;
        }>;
      };
    };
  };
  "/v1/models/disagreements": {
    get: {
      path: never;
      query: { jurisdiction?: string; limit?: number };
      body: never;
      response: {
        items: Array<{
          ip: string;
          jurisdiction: string;
          model: string;
          at: string;
          score: number;
          liveFlag: boolean;
          p: number;
          wouldAdd: number;
          contributions: Array<{
            feature: string;
            value: number;
            contribution: number;
          }>;
        }>;
      };
    };
  };
  "/v1/models/rollback": {
    post: {
      path: never;
      query: never;
      body: {
        jurisdiction?: string;
        reason: string;
      };
      response: {
        id: string;
        jurisdiction: string;
        kind: "jurisdiction" | "hub";
        version: number;
        status: "shadow" | "live" | "retired";
        created: string;
        trainedBy: string;
        trainingSize: number;
        labels: {
          threat: number;
          benign: number;
        };
        evaluation: {
          size: number;
          threshold: number;
          confusion: {
            tp: number;
            fp: number;
            tn: number;
            fn: number;
          };
          precision: number | null;
          recall: number | null;
          rocAuc: number | null;
          brier: number | null;
          reliability: Array<{
            from: number;
            to: number;
            count: number;
            meanPredicted: number;
            observed: number;
          }>;
        };
        model: {
          features: Array<string>;
          weights: Array<number>;
          bias: number;
        };
        promoted: {
          at: string;
          by: string;
          reason: string;
        } | null;
      };
    };
  };
  "/v1/models/train": {
    post: {
      path: never;
      query: never;
      body: {
        jurisdiction?: string;
        reason?: string;
      };
      response: {
        trained: Array<{
          id: string;
          jurisdiction: string;
          kind: "jurisdiction" | "hub";
          version: number;
          status: "shadow" | "live" | "retired";
          created: string;
          trainedBy: string;
          trainingSize: number;
          labels: {
            threat: number;
            benign: number;
          };
          evaluation: {
            size: number;
            threshold: number;
            confusion: {
              tp: number;
              fp: number;
              tn: number;
              fn: number;
            };
            precision: number | null;
            recall: number | null;
            rocAuc: number | null;
            brier: number | null;
            reliability: Array<{
              from: number;
              to: number;
              count: number;
              meanPredicted: number;
              observed: number;
            }>;
          };
          promoted: {
            at: string;
            by: string;
            reason: string;
          } | null;
        }>;
        skipped: Array<{
          jurisdiction: string;
          why: string;
        }>;
      };
    };
  };
  "/v1/models/{id}": {
    get: {
      path: { id: string };
      query: never;
      body: never;
      response: {
        id: string;
        jurisdiction: string;
        kind: "jurisdiction" | "hub";
        version: number;
        status: "shadow" | "live" | "retired";
        created: string;
        trainedBy: string;
        trainingSize: number;
        labels: {
          threat: number;
          benign: number;
        };
        evaluation: {
          size: number;
          threshold: number;
          confusion: {
            tp: number;
            fp: number;
            tn: number;
            fn: number;
          };
          precision: number | null;
          recall: number | null;
          rocAuc: number | null;
          brier: number | null;
          reliability: Array<{
            from: number;
            to: number;
            count: number;
            meanPredicted: number;
            observed: number;
          }>;
        };
        model: {
          features: Array<string>;
          weights: Array<number>;
          bias: number;
        };
        promoted: {
          at: string;
          by: string;
          reason: string;
        } | null;
      };
    };
  };
  "/v1/models/{id}/promote": {
    post: {
      path: { id: string };
      query: never;
      body: {
        reason: string;
      };
      response: {
        id: string;
        jurisdiction: string;
        kind: "jurisdiction" | "hub";
        version: number;
        status: "shadow" | "live" | "retired";
        created: string;
        trainedBy: string;
        trainingSize: number;
        labels: {
          threat: number;
          benign: number;
        };
        evaluation: {
          size: number;
          threshold: number;
          confusion: {
            tp: number;
            fp: number;
            tn: number;
            fn: number;
          };
          precision: number | null;
          recall: number | null;
          rocAuc: number | null;
          brier: number | null;
          reliability: Array<{
            from: number;
            to: number;
            count: number;
            meanPredicted: number;
            observed: number;
          }>;
        };
        model: {
          features: Array<string>;
          weights: Array<number>;
          bias: number;
        };
        promoted: {
          at: string;
          by: string;
          reason: string;
        } | null;
      };
    };
  };
  "/v1/overview": {
    get: {
      path: never;
      query: { jurisdiction?: string; window?: string };
      body: never;
      response: {
        generatedAt: string;
        window: string;
        since: string;
        until: string;
        key: {
          id: string;
          role: string;
          jurisdiction: string;
        };
        jurisdictions: Array<string>;
        alerts: {
          total: number;
          byJurisdiction: Record<string, number>;
          perMinute: Array<{
            t: string;
            count: number;
          }>;
          byEventTime: {
            minutes: Array<string>;
            series: Array<{
              severity: number;
              counts: Array<number>;
            }>;
            outside: number;
          };
        };
        targets: {
          hosts: Array<{
            ip: string;
            count: number;
          }>;
          services: Array<{
            port: number;
            transport: string | null;
            count: number;
          }>;
        };
        recentDecisions: Array<{
          id: string;
          value: string;
          jurisdiction: string;
          created: string;
          expires: string;
          status: "active" | "expired" | "ended";
          origin: "playbook" | "manual" | "shared";
          reason: string;
        }> | null;
        flagged: {
          total: number;
          recent: Array<{
            ip: string;
            score: number;
            flaggedAt: string;
            jurisdictions: Array<string>;
          }>;
        } | null;
        activeDecisions: {
          total: number;
          byJurisdiction: Record<string, number>;
        } | null;
        pendingApprovals: number | null;
        topRules: Array<{
          id: string | null;
          name: string | null;
          count: number;
        }>;
        topCountries: Array<{
          country: string;
          count: number;
        }> | null;
        sample: {
          alerts: number;
          complete: boolean;
        };
      };
    };
  };
  "/v1/playbooks": {
    get: {
      path: never;
      query: never;
      body: never;
      response: {
        items: Array<{
          version: number;
          hash: string;
          at: string;
          source: {
            type: "file" | "api" | "rollback";
            file?: string;
            by?: string;
            from?: number;
          };
          status: string;
          owner: string;
          name: string;
          trigger: string;
          comment?: string;
          id: string;
          removed: boolean;
          breaker: {
            openedAt: string;
            reason: string;
            runId: string;
            approvalId: string | null;
          } | null;
          errors: Array<{
            file: string;
            line: number;
            column: number;
            path: string;
            message: string;
            hint?: string;
          }>;
        }>;
        files: Array<{
          file: string;
          playbooks: Array<string>;
          errors: Array<{
            file: string;
            line: number;
            column: number;
            path: string;
            message: string;
            hint?: string;
          }>;
        }>;
        errors: Array<{
          file: string;
          line: number;
          column: number;
          path: string;
          message: string;
          hint?: string;
        }>;
      };
    };
  };
  "/v1/playbooks/simulate": {
    post: {
      path: never;
      query: never;
      body: {
        yaml?: string;
        playbook?: string;
        trigger?: Record<string, unknown>;
        alerts?: Array<Record<string, unknown>>;
        given?: {
          approval?: "approve" | "deny" | "timeout";
          previous_bans?: number;
          allowlisted?: boolean;
        };
      };
      response: {
        results: Array<{
          playbook: string;
          trigger?: string;
          triggered: boolean;
          error?: string;
          status: string | null;
          steps: Array<{
            id: string;
            action: string;
            status: string;
            input: unknown;
            result: unknown;
            error: string | null;
          }>;
          decisions: Array<{
            value: string;
            jurisdiction: string;
            duration: string;
          }>;
        }>;
        errors: Array<{
          file: string;
          line: number;
          column: number;
          path: string;
          message: string;
          hint?: string;
        }>;
      };
    };
  };
  "/v1/playbooks/validate": {
    post: {
      path: never;
      query: { file?: string };
      body: never;
      response: {
        valid: boolean;
        documents: Array<{
          kind: string;
          id: string | null;
          line: number;
        }>;
        errors: Array<{
          file: string;
          line: number;
          column: number;
          path: string;
          message: string;
          hint?: string;
        }>;
      };
    };
  };
  "/v1/playbooks/{id}": {
    get: {
      path: { id: string };
      query: never;
      body: never;
      response: {
        version: number;
        hash: string;
        at: string;
        source: {
          type: "file" | "api" | "rollback";
          file?: string;
          by?: string;
          from?: number;
        };
        status: string;
        owner: string;
        name: string;
        trigger: string;
        comment?: string;
        id: string;
        removed: boolean;
        breaker: {
          openedAt: string;
          reason: string;
          runId: string;
          approvalId: string | null;
        } | null;
        yaml: string | null;
        playbook: Record<string, unknown> | null;
        errors: Array<{
          file: string;
          line: number;
          column: number;
          path: string;
          message: string;
          hint?: string;
        }>;
        actionsLastHour: number;
      };
    };
    put: {
      path: { id: string };
      query: never;
      body: never;
      response: {
        id: string;
        version: number;
        hash: string;
        changed: boolean;
        status: string;
      };
    };
  };
  "/v1/playbooks/{id}/resume": {
    post: {
      path: { id: string };
      query: never;
      body: {
        reason: string;
      };
      response: {
        closed: boolean;
      };
    };
  };
  "/v1/playbooks/{id}/rollback": {
    post: {
      path: { id: string };
      query: never;
      body: {
        version: number;
        comment?: string;
      };
      response: {
        id: string;
        version: number;
        hash: string;
        changed: boolean;
        status: string;
      };
    };
  };
  "/v1/playbooks/{id}/run": {
    post: {
      path: { id: string };
      query: never;
      body: {
        ip: string;
        reason: string;
        score?: number;
        confidence?: number;
        country?: string;
        idempotency_key?: string;
      };
      response: {
        runId: string;
        mode: "enforcing" | "shadow" | "dry";
      };
    };
  };
  "/v1/playbooks/{id}/versions": {
    get: {
      path: { id: string };
      query: never;
      body: never;
      response: {
        items: Array<Record<string, unknown>>;
      };
    };
  };
  "/v1/playbooks/{id}/versions/{version}": {
    get: {
      path: { id: string; version: string };
      query: never;
      body: never;
      response: {
        version: Record<string, unknown>;
        yaml: string | null;
      };
    };
  };
  "/v1/runs": {
    get: {
      path: never;
      query: { playbook?: string; status?: "queued" | "running" | "waiting" | "succeeded" | "failed" | "denied" | "refused" | "halted"; since?: string; until?: string; limit?: number; cursor?: string };
      body: never;
      response: {
        items: Array<{
          id: string;
          playbook: {
            id: string;
            name: string;
            owner: string;
            version: number;
            hash: string;
          };
          mode: "enforcing" | "shadow" | "dry";
          trigger: {
            type: "threat.flagged" | "alert" | "shared.indicator" | "manual";
            key: string;
            ip: string;
            summary: string;
            jurisdictions: Array<string>;
            view: Record<string, unknown>;
          };
          status: "queued" | "running" | "waiting" | "succeeded" | "failed" | "denied" | "refused" | "halted";
          cursor: number;
          steps: Array<{
            id: string;
            action: string;
            status: "pending" | "running" | "done" | "would" | "skipped" | "refused" | "suppressed" | "waiting" | "denied" | "failed";
            input: Record<string, unknown> | null;
            result: Record<string, unknown> | null;
            error: string | null;
            attempts: number;
            started: string | null;
            ended: string | null;
            ms: number | null;
          }>;
          decisions: Array<string>;
          created: string;
          updated: string;
          finished: string | null;
          error: string | null;
          stopReason: string | null;
        }>;
        next: string | null;
      };
    };
  };
  "/v1/runs/{id}": {
    get: {
      path: { id: string };
      query: never;
      body: never;
      response: {
        id: string;
        playbook: {
          id: string;
          name: string;
          owner: string;
          version: number;
          hash: string;
        };
        mode: "enforcing" | "shadow" | "dry";
        trigger: {
          type: "threat.flagged" | "alert" | "shared.indicator" | "manual";
          key: string;
          ip: string;
          summary: string;
          jurisdictions: Array<string>;
          view: Record<string, unknown>;
        };
        status: "queued" | "running" | "waiting" | "succeeded" | "failed" | "denied" | "refused" | "halted";
        cursor: number;
        steps: Array<{
          id: string;
          action: string;
          status: "pending" | "running" | "done" | "would" | "skipped" | "refused" | "suppressed" | "waiting" | "denied" | "failed";
          input: Record<string, unknown> | null;
          result: Record<string, unknown> | null;
          error: string | null;
          attempts: number;
          started: string | null;
          ended: string | null;
          ms: number | null;
        }>;
        decisions: Array<string>;
        created: string;
        updated: string;
        finished: string | null;
        error: string | null;
        stopReason: string | null;
      };
    };
  };
  "/v1/shares": {
    get: {
      path: never;
      query: { direction?: "in" | "out"; jurisdiction?: string; value?: string; since?: string; until?: string; limit?: number; cursor?: string };
      body: never;
      response: {
        items: Array<{
          id: string;
          value: string;
          from: string;
          chain: Array<string>;
          parent: string | null;
          to: Array<string>;
          tlp: "CLEAR" | "GREEN" | "AMBER" | "AMBER+STRICT" | "RED";
          score: number;
          confidence: number;
          ttl: string;
          created: string;
          expires: string;
          reason: string;
          evidence: {
            rules: Record<string, number>;
            firstSeen: string | null;
            lastSeen: string | null;
            alerts: number;
            jurisdictions: Array<string>;
          };
          playbookRun: string | null;
          actor: {
            type: "key" | "playbook-run" | "peer" | "system" | "cli";
            id: string;
            role?: string;
            jurisdiction?: string;
          };
          remote: {
            peer: string;
            id: string;
          } | null;
          deliveries: Array<{
            jurisdiction: string;
            delivered: boolean;
            reason?: string;
            status?: string;
            decisionId?: string | null;
            at?: string;
          }>;
          revoked: {
            at: string;
            by: {
              type: "key" | "playbook-run" | "peer" | "system" | "cli";
              id: string;
              role?: string;
              jurisdiction?: string;
            };
            reason: string;
          } | null;
          status: "active" | "expired" | "revoked";
        } | {
          shareId: string;
          jurisdiction: string;
          from: string;
          origin: string;
          value: string;
          tlp: "CLEAR" | "GREEN" | "AMBER" | "AMBER+STRICT" | "RED";
          score: number;
          confidence: number;
          expires: string;
          reason: string;
          evidence: {
            rules: Record<string, number>;
            firstSeen: string | null;
            lastSeen: string | null;
            alerts: number;
            jurisdictions: Array<string>;
          };
          chain: Array<string>;
          received: string;
          rule: string;
          mode: "auto-block" | "review" | "ignore";
          needs: number;
          state: {
            status: "blocked" | "already-blocked" | "corroborating" | "pending-review" | "approved" | "denied" | "refused";
            decisionId: string | null;
            approvalId: string | null;
            note: string | null;
            updated: string;
          };
          revoked: {
            at: string;
            reason: string;
            decision: "ended" | "kept-independent" | "kept-other-shares" | "kept-own-evidence" | "none";
          } | null;
        }>;
        next: string | null;
      };
    };
    post: {
      path: never;
      query: never;
      body: {
        value: string;
        from?: string;
        to: Array<string>;
        tlp?: "CLEAR" | "GREEN" | "AMBER" | "AMBER+STRICT" | "RED";
        score?: number;
        confidence?: number;
        ttl?: string;
        reason: string;
        evidence?: {
          rules?: Record<string, number>;
          firstSeen?: string | null;
          lastSeen?: string | null;
          alerts?: number;
          jurisdictions?: Array<string>;
        };
        minConfidence?: number;
        idempotencyKey?: string;
      };
      response: {
        shareId: string;
        targets: Array<{
          jurisdiction: string;
          delivered: boolean;
          reason?: string;
        }>;
        share: {
          id: string;
          value: string;
          from: string;
          chain: Array<string>;
          parent: string | null;
          to: Array<string>;
          tlp: "CLEAR" | "GREEN" | "AMBER" | "AMBER+STRICT" | "RED";
          score: number;
          confidence: number;
          ttl: string;
          created: string;
          expires: string;
          reason: string;
          evidence: {
            rules: Record<string, number>;
            firstSeen: string | null;
            lastSeen: string | null;
            alerts: number;
            jurisdictions: Array<string>;
          };
          playbookRun: string | null;
          actor: {
            type: "key" | "playbook-run" | "peer" | "system" | "cli";
            id: string;
            role?: string;
            jurisdiction?: string;
          };
          remote: {
            peer: string;
            id: string;
          } | null;
          deliveries: Array<{
            jurisdiction: string;
            delivered: boolean;
            reason?: string;
            status?: string;
            decisionId?: string | null;
            at?: string;
          }>;
          revoked: {
            at: string;
            by: {
              type: "key" | "playbook-run" | "peer" | "system" | "cli";
              id: string;
              role?: string;
              jurisdiction?: string;
            };
            reason: string;
          } | null;
          status: "active" | "expired" | "revoked";
        } | null;
      };
    };
  };
  "/v1/shares/{id}": {
    get: {
      path: { id: string };
      query: never;
      body: never;
      response: {
        id: string;
        value: string;
        from: string;
        chain: Array<string>;
        parent: string | null;
        to: Array<string>;
        tlp: "CLEAR" | "GREEN" | "AMBER" | "AMBER+STRICT" | "RED";
        score: number;
        confidence: number;
        ttl: string;
        created: string;
        expires: string;
        reason: string;
        evidence: {
          rules: Record<string, number>;
          firstSeen: string | null;
          lastSeen: string | null;
          alerts: number;
          jurisdictions: Array<string>;
        };
        playbookRun: string | null;
        actor: {
          type: "key" | "playbook-run" | "peer" | "system" | "cli";
          id: string;
          role?: string;
          jurisdiction?: string;
        };
        remote: {
          peer: string;
          id: string;
        } | null;
        deliveries: Array<{
          jurisdiction: string;
          delivered: boolean;
          reason?: string;
          status?: string;
          decisionId?: string | null;
          at?: string;
        }>;
        revoked: {
          at: string;
          by: {
            type: "key" | "playbook-run" | "peer" | "system" | "cli";
            id: string;
            role?: string;
            jurisdiction?: string;
          };
          reason: string;
        } | null;
        status: "active" | "expired" | "revoked";
      };
    };
  };
  "/v1/shares/{id}/revoke": {
    post: {
      path: { id: string };
      query: never;
      body: {
        reason: string;
      };
      response: {
        shareId: string;
        revoked: boolean;
        outcomes: Array<{
          jurisdiction: string;
          decision: "ended" | "kept-independent" | "kept-other-shares" | "kept-own-evidence" | "none";
        }>;
        cascaded: Array<string>;
        peers: Array<string>;
      };
    };
  };
  "/v1/threats": {
    get: {
      path: never;
      query: { min_score?: number; jurisdiction?: string; limit?: number; flagged?: "true" | "false"; offset?: number };
      body: never;
      response: {
        items: Array<{
          ip: string;
          score: number;
          contributions: Array<{
            factor: string;
            points: number;
            detail: string;
          }>;
          firstSeen: string;
          lastSeen: string;
          jurisdictions: Array<string>;
          alertCount: number;
          flagged: boolean;
          flag: {
            generation: number;
            score: number;
            at: string;
          } | null;
          threshold: number;
          blockedIn: Array<string>;
          country: string | null;
          asn: {
            number: number;
            org: string | null;
          } | null;
          view: "federation" | "partial";
        }>;
        scoredAt: string;
        total: number;
        totalExact: boolean;
        offset: number;
        limit: number;
      };
    };
  };
}

export type Method = 'get' | 'post' | 'put' | 'delete';
/** The documented paths that have an operation for method M. */
export type PathOf<M extends Method> = { [P in keyof Paths]: M extends keyof Paths[P] ? P : never }[keyof Paths];
export type Operation<M extends Method, P extends PathOf<M>> = Paths[P][M & keyof Paths[P]];
export type PathParams<M extends Method, P extends PathOf<M>> = Operation<M, P> extends { path: infer X } ? X : never;
export type Query<M extends Method, P extends PathOf<M>> = Operation<M, P> extends { query: infer X } ? X : never;
export type Body<M extends Method, P extends PathOf<M>> = Operation<M, P> extends { body: infer X } ? X : never;
export type Reply<M extends Method, P extends PathOf<M>> = Operation<M, P> extends { response: infer X } ? X : never;
/** Path parameters (required when the path has any) and query of one call. */
export type CallOptions<M extends Method, P extends PathOf<M>> = ([PathParams<M, P>] extends [never] ? { params?: undefined } : { params: PathParams<M, P> }) &
  ([Query<M, P>] extends [never] ? { query?: undefined } : { query?: Query<M, P> });
