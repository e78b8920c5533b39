import type { Command } from 'commander';
import { Role } from '../auth/auth.schemas';
import { openContext } from './context';
import { fail, withContext } from './output';

const CLI_ACTOR = { type: 'cli' as const, id: process.env.USER ?? 'cli' };

export function registerKeys(program: Command) {
  const keys = program.command('keys').description('create, list and revoke API keys');
  keys
    .command('create')
    .description('create a key; it is printed once and only its hash is stored')
    .requiredOption('--jurisdiction <id>', 'jurisdiction the key belongs to')
    .requiredOption('--role <role>', `one of ${Role.options.join(', ')}`)
    .option('--name <name>', 'a label, e.g. the sensor or firewall it is for')
    .action((opts) =>
      withContext(openContext, async (ctx) => {
        const role = Role.safeParse(opts.role);
        if (!role.success) fail(`--role: ${opts.role} is not one of ${Role.options.join(', ')}`);
        if (!ctx.jurisdictions.has(opts.jurisdiction)) fail(`--jurisdiction: ${opts.jurisdiction} is not declared (known: ${ctx.jurisdictions.list().map((j) => j.id).join(', ')})`);
        const { key, record } = await ctx.keys.create({ role: role.data, jurisdiction: opts.jurisdiction, name: opts.name, createdBy: CLI_ACTOR });
        process.stderr.write(`created key ${record.id} (${record.role}@${record.jurisdiction}); store it now, it is not shown again:\n`);
        process.stdout.write(key + '\n');
      }),
    );
  keys
    .command('list')
    .description('list keys (never their secrets)')
    .option('--jurisdiction <id>')
    .action((opts) =>
      withContext(openContext, async (ctx) => {
        for (const k of await ctx.keys.list())
          if (!opts.jurisdiction || k.jurisdiction === opts.jurisdiction)
            process.stdout.write(`${k.id}\t${k.role}\t${k.jurisdiction}\t${k.revoked ? 'revoked ' + k.revoked : 'active'}\t${k.name}\n`);
      }),
    );
  keys
    .command('revoke <id>')
    .description('revoke a key')
    .action((id) =>
      withContext(openContext, async (ctx) => {
        const r = await ctx.keys.revoke(id, null, CLI_ACTOR);
        process.stdout.write(`revoked ${r.id} (${r.role}@${r.jurisdiction})\n`);
      }),
    );
}
