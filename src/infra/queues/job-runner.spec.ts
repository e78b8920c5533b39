import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { UnrecoverableError, type Job } from 'bullmq';
import { z } from 'zod';
import { ALL_JOBS, defineJob, RunJob, StoreChunkJob } from '../../contracts/jobs';
import type { GwanjeConfig } from '../config/config.schema';
import { HandlesJob } from './job-handler';
import { dispatcher, handlerProblems, JobRunner, type FoundHandler } from './job-runner';
import type { QueuesService } from './queues.service';

const A = defineJob({ name: 'test.a', queue: 'q', payload: z.object({ n: z.number() }) });
const B = defineJob({ name: 'test.b', queue: 'q', payload: z.object({ s: z.string() }) });
const found = (def: FoundHandler['def'], name: string, handle = jest.fn(async () => 'ok')): FoundHandler => ({ def, name, handler: { handle } });
const job = (name: string, data: unknown) => ({ name, data }) as unknown as Job;

describe('job handlers: exactly one per job', () => {
  it('passes when every job has one handler', () => {
    expect(handlerProblems([A, B], [found(A, 'AHandler'), found(B, 'BHandler')])).toEqual([]);
  });

  it('names a job without a handler, one with two, and a handler for no known job', () => {
    const C = defineJob({ name: 'test.c', queue: 'q', payload: z.object({}) });
    expect(handlerProblems([A, B], [found(A, 'AHandler'), found(A, 'OtherA'), found(C, 'CHandler')])).toEqual([
      'job test.a has 2 handlers: AHandler, OtherA',
      'job test.b (queue q) has no handler',
      'CHandler handles test.c, which is not in src/contracts/jobs.ts (ALL_JOBS)',
    ]);
  });

  it('the start-up check fails the application when a job of ALL_JOBS has no handler', () => {
    @Injectable()
    @HandlesJob(RunJob)
    class OnlyRuns {
      handle = async () => ({});
    }
    const discovery = { getProviders: () => [{ metatype: OnlyRuns, instance: new OnlyRuns() }] };
    const runner = new JobRunner(discovery as never, new Reflector(), {} as QueuesService, { role: 'all' } as GwanjeConfig);
    expect(() => runner.onModuleInit()).toThrow(`job ${StoreChunkJob.name} (queue ${StoreChunkJob.queue}) has no handler`);
    expect(ALL_JOBS.length).toBeGreaterThan(5);
  });
});

describe('dispatch by job name', () => {
  it('gives the handler the validated payload (defaults applied, unknown keys dropped)', async () => {
    const a = found(A, 'AHandler');
    await expect(dispatcher([a, found(B, 'BHandler')], 'q')(job('test.a', { n: 1, extra: true }))).resolves.toBe('ok');
    expect(a.handler.handle).toHaveBeenCalledWith({ n: 1 }, expect.anything());
  });

  it('bad data and unknown jobs are unrecoverable (never retried)', async () => {
    const run = dispatcher([found(A, 'AHandler')], 'q');
    await expect(run(job('test.a', { n: 'one' }))).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(run(job('test.zzz', {}))).rejects.toThrow(new UnrecoverableError('unexpected job test.zzz on queue q'));
  });

  it("rethrows a handler's error as it is, so BullMQ retries", async () => {
    const boom = new Error('redis down');
    const run = dispatcher([found(A, 'AHandler', jest.fn(async () => Promise.reject(boom)))], 'q');
    await expect(run(job('test.a', { n: 1 }))).rejects.toBe(boom);
  });
});
