import {expect} from 'chai';
import {APP_ROOT, describeEachEngine, ok} from '@systemprompt/testing';
import {define, execute} from './helpers.js';

describeEachEngine('the workflows migration', {root: APP_ROOT}, (t) => {
  it('rolls back (its three tables dropped with their rows) and applies again when the module next attaches', async () => {
    await define(t, {name: 'tick', steps: [{id: 'wait', type: 'delay', duration: '1ms'}]});
    expect((await execute(t, 'tick')).end.status).to.equal('completed');
    const dryRun = (await ok(t, 'database:rollback', '--module', 'workflows', '--dry-run', '--json')).json().data;
    expect(dryRun.map((row: {name: string}) => row.name)).to.deep.equal(['20261215090000-create-workflows']);
    const reverted = (await ok(t, 'database:rollback', '--module', 'workflows', '--confirm', '--json')).json().data;
    expect(reverted[0]).to.include({module: 'workflows', name: '20261215090000-create-workflows'});
    // The module applies its migration again when it next attaches: empty tables.
    expect((await ok(t, 'workflows:list', '--json')).json().meta.total).to.equal(0);
    expect((await ok(t, 'workflows:history', '--json')).json().meta.total).to.equal(0);
    await define(t, {name: 'tick', steps: [{id: 'wait', type: 'delay', duration: '1ms'}]});
    expect((await execute(t, 'tick')).end.status).to.equal('completed');
  });
});
