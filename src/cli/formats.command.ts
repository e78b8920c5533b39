import type { Command } from 'commander';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadFormatText, sampleResults } from '../formats/load';
import { formatLoadError, yamlFiles } from '../playbooks/loader/loader';
import { CliError, fail } from './output';

const out = (s: string) => process.stdout.write(s + '\n');

/**
 * `gwanje formats test <file|dir>...`: load LogFormat documents as the server does (schema, regexes,
 * samples) and print each sample's result; errors as file:line:col  path  message. Exit 0 when every
 * file loads, 1 on any error or failing sample, 2 on bad arguments (as `gwanje validate`).
 */
export function registerFormats(program: Command) {
  const formats = program.command('formats').description('device formats as data (kind: LogFormat, docs/formats.md)');
  formats
    .command('test <paths...>')
    .description("validate LogFormat files and run their samples: errors as file:line:col  path  message; exit 1 on any error or failing sample")
    .option('-v, --verbose', 'print the normalized fields of every sample')
    .action((given: string[], opts: { verbose?: boolean }) => {
      try {
        let errors = 0;
        let samples = 0;
        let loaded = 0;
        for (const p of given) {
          if (!existsSync(p)) fail(`${p}: no such file or directory`);
          const files = statSync(p).isDirectory() ? yamlFiles(p) : [p];
          for (const file of files) {
            const rel = path.relative(process.cwd(), file) || file;
            const res = loadFormatText(readFileSync(file, 'utf8'), rel);
            for (const e of res.errors) out(formatLoadError(e));
            errors += res.errors.length;
            for (const f of res.formats) {
              loaded++;
              for (const r of sampleResults(f.format)) {
                samples++;
                out(`ok    ${rel}  ${f.format.format}  sample ${r.index + 1}: ${r.outcome}${r.reason ? ` (${r.reason})` : ''}`);
                if (opts.verbose && r.fields) for (const [k, v] of Object.entries(r.fields)) out(`        ${k}: ${JSON.stringify(v)}`);
              }
            }
          }
        }
        process.stderr.write(`${loaded} format(s), ${samples} sample(s) passing; ${errors} error(s)\n`);
        if (errors) process.exitCode = 1;
      } catch (e) {
        process.stderr.write(`gwanje: ${(e as Error).message}\n`);
        process.exitCode = e instanceof CliError ? e.exitCode : 1;
      }
    });
}
