import {expect} from 'chai';
import {APP_ROOT, TRUST_OFF, appCli, describeEachEngine, expectFailure, ok} from '@systemprompt/testing';

// The update itself runs against a registry on loopback in apps/systemprompt's npm-installed-cli test;
// here, who may ask for it. --no-fetch: this checkout's upstream is never contacted from a test.
describeEachEngine('system:update: who may plan and who may apply', {root: APP_ROOT}, (t) => {
  it('a viewer sees the plan (modules:read, database:read) but may not apply it (exit 4)', async () => {
    await ok(t, 'users:create', '--email', 'viewer@example.com', '--role', 'viewer');
    const key = (
      await ok(t, 'api:keys:create', '--user', 'viewer@example.com', '--name', 'v', '--scope', '*:read', '--json')
    ).json().data.key;
    const viewer = (...args: string[]) => appCli(t, {...TRUST_OFF, SYSTEMPROMPT_API_KEY: key}, ...args, '--json');
    const planned = await viewer('system:update', '--dry-run', '--no-fetch');
    expect(planned.exitCode, planned.stderr + planned.stdout).to.equal(0);
    const plan = JSON.parse(planned.stdout).data;
    expect(plan).to.include({installation: 'git', dryRun: true, backup: null});
    expect(plan.changes[0]).to.include({kind: 'cli', name: 'systemprompt'});
    expectFailure(await viewer('system:update', '--no-fetch'), 4, 'PERMISSION_DENIED');
    const [refusal] = (
      await ok(t, 'database:query', "SELECT result FROM users_audit WHERE action = 'system.update'", '--json')
    ).json().data;
    expect(refusal).to.deep.equal({result: 'denied'});
  });
});
