import { Logger, type LoggerService } from '@nestjs/common';
import { Command } from 'commander';
import { registerBlocklist } from './blocklist.command';
import { registerFormats } from './formats.command';
import { registerKeys } from './keys.command';
import { registerModel } from './model.command';
import { registerPlaybooks } from './playbooks.command';
import { registerReplay } from './replay.command';
import { registerScenario } from './scenario.command';

/** CLI output belongs to the command: service logs go to stderr, warnings and errors only. */
const stderrLogger: LoggerService = {
  log: () => undefined,
  debug: () => undefined,
  verbose: () => undefined,
  warn: (m: unknown) => process.stderr.write(`warn: ${typeof m === 'string' ? m : JSON.stringify(m)}\n`),
  error: (m: unknown) => process.stderr.write(`error: ${typeof m === 'string' ? m : JSON.stringify(m)}\n`),
};
Logger.overrideLogger(stderrLogger);

const program = new Command('gwanje')
  .description('Gwanje: SOC playbook engine for federations of public bodies')
  .showHelpAfterError()
  // Usage errors (unknown option, missing argument) exit 2 like every other bad input; help and --version exit 0.
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
  .addHelpText(
    'after',
    '\nExit codes: 0 done; 1 failed (API unreachable or refused, Redis down, a playbook invalid or its test failing); 2 bad arguments; 3 refused or partly rejected (replay: some lines rejected; block: allowlisted or prefix too short).\n' +
      'Environment: GWANJE_URL or PORT (where replay and scenario --load find the API), GWANJE_KEY or GWANJE_ADMIN_KEY (their API key), GWANJE_CONFIG, GWANJE_DATA_DIR, REDIS_URL, GWANJE_REDIS_PREFIX (keys, block, allow, backtest: the same config and Redis as the server).\n',
  );
registerKeys(program);
registerReplay(program);
registerScenario(program);
registerPlaybooks(program);
registerBlocklist(program);
registerFormats(program);
registerModel(program);
program.parseAsync(process.argv).catch((e) => {
  process.stderr.write(`gwanje: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
