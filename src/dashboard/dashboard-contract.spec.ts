import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { buildOpenApiDocument, JSCONFIG, renderDashboardTypes, TYPES_FILE } from '../../test/helpers/dashboard-types';

/** Type-checks the dashboard (JS with JSDoc) against the API types, as `tsc -p src/dashboard/public/jsconfig.json`. */
function checkDashboard(overrides: Map<string, string> = new Map()): string[] {
  const read = ts.readConfigFile(JSCONFIG, (f) => ts.sys.readFile(f));
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(JSCONFIG));
  const host = ts.createCompilerHost(parsed.options);
  const readFile = host.readFile.bind(host);
  host.readFile = (f) => overrides.get(path.resolve(f)) ?? readFile(f);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, host });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : null;
    return `${d.file ? path.relative(path.dirname(JSCONFIG), d.file.fileName) : ''}${where ? `(${where.line + 1},${where.character + 1})` : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}

/**
 * The contract between the dashboard and the API: every call goes through lib/api.js, whose
 * request and response types come from /openapi.json, and every field a view reads or sends
 * is checked against them.
 */
describe('dashboard ↔ API contract', () => {
  const generated = renderDashboardTypes(buildOpenApiDocument());

  it('lib/api-types.d.ts is generated from the current OpenAPI document', () => {
    // If this fails: node scripts/gen-dashboard-types.js
    expect(readFileSync(TYPES_FILE, 'utf8')).toBe(generated);
  });

  it('every view type-checks against the API types (tsc --checkJs)', () => {
    expect(checkDashboard(new Map([[TYPES_FILE, generated]]))).toEqual([]);
  }, 60_000);

  it('catches a body field the API does not accept and a response field it does not return', () => {
    const approvals = path.resolve(path.dirname(JSCONFIG), 'views/approvals.js');
    const playbooks = path.resolve(path.dirname(JSCONFIG), 'views/playbooks.js');
    const a = readFileSync(approvals, 'utf8');
    const p = readFileSync(playbooks, 'utf8');
    // The bugs of issue 10: the dashboard sent {reason} to the vote endpoints and read `enabled` of a playbook.
    const sendsReason = a.replace('{ comment: comment.trim() }', '{ reason: comment.trim() }');
    const readsEnabled = p.replace("render: (p) => html`<${JName} id=${p.owner} />`", "render: (p) => (p.enabled ? 'on' : 'off')");
    expect(sendsReason).not.toBe(a);
    expect(readsEnabled).not.toBe(p);
    const errors = checkDashboard(new Map([[TYPES_FILE, generated], [approvals, sendsReason], [playbooks, readsEnabled]]));
    expect(errors).toEqual(
      expect.arrayContaining([expect.stringMatching(/^views\/approvals\.js.*(reason|no properties in common)/), expect.stringMatching(/^views\/playbooks\.js.*Property 'enabled' does not exist/)]),
    );
  }, 60_000);
});
