import { KindRegistry, type KindIssue } from '../playbooks/loader/kinds';
import { loadPaths, loadText, type LoadError, type LoadResult } from '../playbooks/loader/loader';
import { compileFormat, type CompiledFormat } from './compile';
import { LogFormatDoc } from './logformat.schema';
import { runSample, type SampleResult } from './samples';

/**
 * Compile, then run every sample: a definition whose samples fail is a definition with errors, at
 * the sample's line (the field that differs, expected vs got).
 */
function checkFormat(doc: LogFormatDoc): KindIssue[] {
  const { format, issues } = compileFormat(doc);
  if (!format) return issues;
  const out: KindIssue[] = [];
  doc.samples.forEach((s, i) => {
    const r = runSample(format, s, i);
    for (const f of r.failures) {
      const known = f.field.startsWith('(') ? null : f.field;
      const at = known && s.expect && known in s.expect ? ['samples', i, 'expect', known] : ['samples', i, 'line'];
      out.push({ path: at, message: `sample ${i + 1}: ${f.message}` });
    }
  });
  return out;
}

/** The loader's view of `kind: LogFormat` (its own registry: formats load from their own directory). */
export const logFormatKinds = new KindRegistry().register({
  kind: 'LogFormat',
  schema: LogFormatDoc,
  check: checkFormat,
  idOf: (d) => d.metadata.id,
  hints: {
    'extract': 'one of regex, grok, kv, csv, json',
  },
});

export interface LoadedFormat {
  file: string;
  line: number;
  format: CompiledFormat;
  /** sha256 of the document's text. */
  hash: string;
}

function compiled(res: LoadResult<LogFormatDoc>): { formats: LoadedFormat[]; errors: LoadError[] } {
  const formats: LoadedFormat[] = [];
  for (const d of res.documents) {
    const { format } = compileFormat(d.value);
    if (format) formats.push({ file: d.file, line: d.line, format, hash: d.hash });
  }
  return { formats, errors: res.errors };
}

/** LogFormat documents of a YAML text (other kinds are refused), compiled and sample-tested. */
export function loadFormatText(text: string, file: string): { formats: LoadedFormat[]; errors: LoadError[] } {
  return compiled(loadText<LogFormatDoc>(text, file, { registry: logFormatKinds }));
}

export function loadFormatPaths(paths: string[]): { formats: LoadedFormat[]; errors: LoadError[] } {
  return compiled(loadPaths<LogFormatDoc>(paths, { registry: logFormatKinds }));
}

/** Each sample's result, for a format that loaded (the validate endpoint and `gwanje formats test`). */
export function sampleResults(f: CompiledFormat): SampleResult[] {
  return f.doc.samples.map((s, i) => runSample(f, s, i));
}
