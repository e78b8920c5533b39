import type { Action } from '../model/playbook.schema';
import { approveStep, type ApproveInput } from './approve.step';
import { blockStep, type BlockInput } from './block.step';
import { notifyStep, type NotifyInput } from './notify.step';
import { shareStep, type ShareInput } from './share.step';
import type { StepModule } from './step';
import { tagStep, type TagInput } from './tag.step';
import { unblockStep, type UnblockInput } from './unblock.step';

/** Each action's resolved input. */
export type StepInputs = { block: BlockInput; unblock: UnblockInput; share: ShareInput; notify: NotifyInput; approve: ApproveInput; tag: TagInput };

/** Mapped over the actions, so `STEP_MODULES[step.action]` is the module of that step's action (no casts). */
export type StepModules = { [K in Action]: StepModule<K, StepInputs[K]> };

export const STEP_MODULES: StepModules = {
  block: blockStep,
  unblock: unblockStep,
  share: shareStep,
  notify: notifyStep,
  approve: approveStep,
  tag: tagStep,
};
