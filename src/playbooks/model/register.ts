import { documentKinds } from '../loader/kinds';
import { PlaybookKind } from './playbook.schema';

/** Register kind: Playbook with the one loader (idempotent). Importing this module is enough. */
documentKinds.register(PlaybookKind);
export { PlaybookKind };
