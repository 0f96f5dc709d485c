import {expect} from 'chai';
import {LOCAL_ADMIN, resolveSystemPaths, type Actor} from '@systemprompt/core';
import {Kernel, discoverModules} from '@systemprompt/core/kernel';
import {APP_ROOT, refusal, testEngines, useModuleKernel} from '@systemprompt/testing';
import {QUEUE} from '@systemprompt/queue';
import {WORKFLOWS, type WorkflowsApi} from '../src/index.js';

const CORE = {Kernel, discoverModules, resolveSystemPaths, LOCAL_ADMIN};

const DEFINITION = JSON.stringify({
  name: 'nightly',
  inputs: {type: 'object', properties: {day: {type: 'string', format: 'date'}}, required: ['day']},
  steps: [{id: 'rest', type: 'delay', duration: '1s'}],
});

for (const engine of testEngines()) {
  describe(`the workflows module API (what the scheduler calls) [${engine}]`, () => {
    const t = useModuleKernel(CORE, engine, {root: APP_ROOT, boot: ['workflows']});
    let api: WorkflowsApi;
    let viewer: Actor;

    before(async () => {
      api = t.kernel.service(WORKFLOWS);
      await api.definitions.create(LOCAL_ADMIN, DEFINITION);
      viewer = await t.user('viewer@example.com', ['viewer']);
    });

    it('validate: checks the permission first, then the workflow, then the input; starts nothing', async () => {
      expect(await api.validate('nightly', {day: '2027-01-31'}, LOCAL_ADMIN)).to.deep.equal({
        workflow: 'nightly',
        version: 1,
      });
      expect(await refusal(api.validate('nightly', {day: 'soon'}, LOCAL_ADMIN))).to.include({
        exitCode: 2,
        code: 'WORKFLOW_INPUT_INVALID',
      });
      expect(await refusal(api.validate('nightly', {}, LOCAL_ADMIN))).to.include({
        exitCode: 2,
        code: 'WORKFLOW_INPUT_INVALID',
      });
      expect(await refusal(api.validate('missing', {}, LOCAL_ADMIN))).to.include({
        exitCode: 3,
        code: 'WORKFLOW_NOT_FOUND',
      });
      expect(await refusal(api.validate('missing', {}, viewer))).to.include({exitCode: 4, code: 'PERMISSION_DENIED'});
      const history = await api.runs.history(LOCAL_ADMIN, {
        page: 1,
        limit: null,
        filters: [],
        search: undefined,
        sort: undefined,
        order: 'asc',
      });
      expect(history.total).to.equal(0);
    });

    it('startRun: queues a run as the actor with its trigger label and returns its id', async () => {
      const id = await api.startRun(LOCAL_ADMIN, 'nightly', {day: '2027-01-31'}, {trigger: 'schedule:nightly'});
      const run = await api.runs.get(LOCAL_ADMIN, id);
      expect(run).to.include({
        id,
        workflow: 'nightly',
        version: 1,
        status: 'queued',
        trigger: 'schedule:nightly',
        actor: 'local-admin',
      });
      expect(run.input).to.deep.equal({day: '2027-01-31'});
      expect(await refusal(api.startRun(viewer, 'nightly', {day: '2027-01-31'}))).to.include({exitCode: 4});
    });

    it('startRun with an idempotency key starts one run however often it is called (a retried scheduler tick)', async () => {
      const key = `schedule:nightly:${engine}`;
      const first = await api.startRun(LOCAL_ADMIN, 'nightly', {day: '2027-03-01'}, {idempotencyKey: key});
      const again = await api.startRun(LOCAL_ADMIN, 'nightly', {day: '2027-03-01'}, {idempotencyKey: key});
      expect(again).to.equal(first);
      const other = await api.startRun(LOCAL_ADMIN, 'nightly', {day: '2027-03-01'}, {idempotencyKey: `${key}:next`});
      expect(other).to.not.equal(first);
      const runs = await api.runs.history(LOCAL_ADMIN, {
        page: 1,
        limit: null,
        filters: [{field: 'id', value: first}],
        search: undefined,
        sort: undefined,
        order: 'asc',
      });
      expect(runs.total).to.equal(1);
    });

    it("a run whose job the queue gave up on fails, with the job's last error", async () => {
      const id = await api.startRun(LOCAL_ADMIN, 'nightly', {day: '2027-02-01'});
      const {queue} = t.kernel.service(QUEUE);
      const jobs = await queue.list(LOCAL_ADMIN, {
        page: 1,
        limit: null,
        filters: [{field: 'queue', value: 'workflows.run'}],
        search: undefined,
        sort: undefined,
        order: 'asc',
      });
      const job = jobs.items.find((each) => (each.payload as {runId: string}).runId === id)!;
      await api.runs.abandon(job.id, 'the database kept failing');
      const run = await api.runs.get(LOCAL_ADMIN, id);
      expect(run).to.include({status: 'failed', error: "The run's job failed for good: the database kept failing"});
      // Only a run its job still holds: a finished one is left alone.
      await api.runs.abandon(job.id, 'again');
      expect((await api.runs.get(LOCAL_ADMIN, id)).error).to.equal(
        "The run's job failed for good: the database kept failing",
      );
    });
  });
}
