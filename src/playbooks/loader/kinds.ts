import type { z } from 'zod';

/** A problem found after the schema passed (a CEL expression that does not compile, a duplicate...). */
export interface KindIssue {
  /** Path inside the document, as zod writes it: ['steps', 2, 'block', 'duration']. */
  path: Array<string | number>;
  message: string;
  hint?: string;
  /** Character offset inside the string value at `path` (e.g. where a CEL expression goes wrong). */
  offset?: number;
}

/**
 * One `kind:` of YAML document. The schema validates the whole document (apiVersion and kind
 * included); `check` runs only on documents the schema accepted; `idOf` names the document so the
 * loader can report duplicates across files.
 */
export interface KindDefinition<S extends z.ZodType = z.ZodType> {
  kind: string;
  schema: S;
  check?: (doc: z.output<S>) => KindIssue[];
  idOf?: (doc: z.output<S>) => string;
  /** Hints for paths whose errors users commonly hit: matched against the dotted path's end. */
  hints?: Record<string, string>;
}

/** Kinds the loader knows. Domains register theirs at startup; registering the same definition twice is a no-op. */
export class KindRegistry {
  private readonly byKind = new Map<string, KindDefinition>();

  register<S extends z.ZodType>(def: KindDefinition<S>): this {
    const had = this.byKind.get(def.kind);
    if (had && had !== (def as unknown as KindDefinition)) throw new Error(`kind ${def.kind} is already registered with another definition`);
    this.byKind.set(def.kind, def);
    return this;
  }

  get(kind: string): KindDefinition | undefined {
    return this.byKind.get(kind);
  }

  kinds(): string[] {
    return [...this.byKind.keys()].sort();
  }
}

/** The process-wide registry (DetectionRule, Playbook, SharingPolicy, Allowlist register here). */
export const documentKinds = new KindRegistry();

export const API_VERSION = 'gwanje/v1';
