import type { z } from 'zod';
import type { StixObject } from '../../src/blocklist/feeds/stix';
import type { Method, PathOf, Problem, Reply } from '../../src/dashboard/public/lib/api-types';
import type { ApiRoot, Collection, Collections, Discovery, Envelope, Manifest } from '../../src/sharing/taxii/taxii.schemas';

/**
 * The type of an API answer for a URL as tests write it (`/v1/decisions/${id}?active=true`),
 * worked out from the documented path templates the dashboard is typed against
 * (src/dashboard/public/lib/api-types.d.ts, generated from /openapi.json). A test reading a
 * field the API does not document fails to type-check; a URL that matches no documented
 * path (or is a plain `string`) answers `unknown`, to be narrowed by the test.
 */
export type ReplyTo<M extends string, U extends string> = PathPart<U> extends '/openapi.json'
  ? OpenApiDocument
  : PathPart<U> extends `/taxii2/${string}`
    ? TaxiiReply<PathPart<U>>
    : Lowercase<M> extends infer L extends Method
  ? [Template<L, PathPart<U>>] extends [infer P extends PathOf<L>]
    ? [P] extends [never]
      ? unknown
      : ByQuery<L, P, U, Reply<L, P>>
    : unknown
  : unknown;

/**
 * TAXII 2.1 answers (served outside the OpenAPI document), typed by the schemas the server
 * writes them with. `${string}` takes slashes too, so the longest resource is tried first.
 */
type TaxiiReply<P extends string> = P extends '/taxii2/'
  ? z.infer<typeof Discovery>
  : P extends `/taxii2/${string}/collections/${string}/manifest/`
    ? z.infer<typeof Manifest>
    : P extends `/taxii2/${string}/collections/${string}/objects/${string}`
      ? Omit<z.infer<typeof Envelope>, 'objects'> & { objects?: StixObject[] }
      : P extends `/taxii2/${string}/collections/${string}/`
        ? z.infer<typeof Collection>
        : P extends `/taxii2/${string}/collections/`
          ? z.infer<typeof Collections>
          : P extends `/taxii2/${string}/`
            ? z.infer<typeof ApiRoot>
            : unknown;

/** Where the query picks the shape: `GET /v1/shares?direction=in` answers inbox entries, otherwise shares sent. */
type ByQuery<L, P, U, R> = [L, P] extends ['get', '/v1/shares']
  ? Omit<R, 'items'> & { items: U extends `${string}direction=in${string}` ? InboxEntry[] : OutShare[] }
  : R;

/** A problem+json answer as the API documents it; every member optional, as a test reads any answer through it. */
export type ProblemBody = Partial<Problem>;

/** `GET /v1/shares` answers shares sent (`direction=out`) or inbox entries (`direction=in`). */
type ShareListItem = Reply<'get', '/v1/shares'>['items'][number];
export type OutShare = Extract<ShareListItem, { deliveries: unknown }>;
export type InboxEntry = Extract<ShareListItem, { shareId: string }>;

/** A playbook run and a decision, as the API lists them. */
export type Run = Reply<'get', '/v1/runs'>['items'][number];
export type Decision = Reply<'get', '/v1/decisions'>['items'][number];

/** The parts of /openapi.json the tests read. */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, unknown>; securitySchemes?: Record<string, unknown> };
}
export interface OpenApiOperation {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Array<{ name: string; in: string; required?: boolean; description?: string; schema?: Record<string, unknown> }>;
  requestBody?: { content?: Record<string, { schema?: Record<string, unknown>; example?: unknown }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema?: Record<string, unknown>; example?: unknown }> }>;
}

type PathPart<U extends string> = U extends `${infer P}?${string}` ? P : U;

/** The documented template a concrete path is an instance of: an exact path wins over one with `{parameters}`. */
type Template<L extends Method, Path extends string> = Path extends PathOf<L>
  ? Path
  : string extends Path
    ? never
    : { [P in PathOf<L>]: SegmentsMatch<Segments<Path>, Segments<P>> extends true ? P : never }[PathOf<L>];

type Segments<S extends string> = S extends `${infer H}/${infer T}` ? [H, ...Segments<T>] : [S];

type SegmentsMatch<A extends string[], B extends string[]> = A extends [infer A0 extends string, ...infer AR extends string[]]
  ? B extends [infer B0 extends string, ...infer BR extends string[]]
    ? (B0 extends `{${string}}` ? true : A0 extends B0 ? true : false) extends true
      ? SegmentsMatch<AR, BR>
      : false
    : false
  : B extends []
    ? true
    : false;
