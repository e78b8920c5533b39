import { Logger, type LoggerService } from '@nestjs/common';
import { Command } from 'commander';
import { registerBlocklist } from './blocklist.command';
import { registerKeys } from './keys.command';
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

const program = new Command('gwanje').description('Gwanje: SOC playbook engine for federations of public bodies').showHelpAfterError();
registerKeys(program);
registerReplay(program);
registerScenario(program);
registerPlaybooks(program);
registerBlocklist(program);
program.parseAsync(process.argv).catch((e) => {
  process.stderr.write(`gwanje: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
