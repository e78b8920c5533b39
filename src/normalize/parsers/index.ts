import type { AlertFormat } from '../../contracts/alert';
import type { AlertParser } from '../parser';
import { cefParser } from './cef.parser';
import { ecsParser } from './ecs.parser';
import { fortigateParser } from './fortigate.parser';
import { leefParser } from './leef.parser';
import { modsecurityParser } from './modsecurity.parser';
import { netfilterParser } from './netfilter.parser';
import { panosParser } from './panos.parser';
import { pfParser } from './pf.parser';
import { snortFastParser } from './snort-fast.parser';
import { snortJsonParser } from './snort-json.parser';
import { suricataEveParser } from './suricata-eve.parser';

/** Every parser, in the order `auto` tries their `detect`: most specific first. */
export const PARSERS: readonly AlertParser[] = [
  suricataEveParser,
  snortJsonParser,
  modsecurityParser,
  ecsParser,
  cefParser,
  leefParser,
  fortigateParser,
  panosParser,
  snortFastParser,
  netfilterParser,
  pfParser,
];

export const parserFor = (format: AlertFormat | (string & {})): AlertParser | undefined => PARSERS.find((p) => p.format === format);
