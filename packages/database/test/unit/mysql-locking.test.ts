import {expect} from 'chai';
import {SystemPromptError} from '@systemprompt/core';
import {mapMysqlBusy, mysqlBusyCode} from '../../src/mysql-locking.js';

/** An error as mysql2 reports it: the server's errno and its symbolic code. */
const serverError = (code: string, errno: number) =>
  Object.assign(new Error(`server said ${code}`), {code, errno, sqlState: '40001'});

describe('mysql-locking', () => {
  it('maps a deadlock (1213) and a lock wait timeout (1205) to DATABASE_BUSY, exit 6, as SQLite busy is', () => {
    for (const [code, errno] of [
      ['ER_LOCK_DEADLOCK', 1213],
      ['ER_LOCK_WAIT_TIMEOUT', 1205],
    ] as const) {
      const cause = serverError(code, errno);
      const mapped = mapMysqlBusy(cause);
      expect(mapped).to.be.instanceOf(SystemPromptError);
      expect(mapped).to.include({code: 'DATABASE_BUSY', exitCode: 6, cause});
      expect((mapped as SystemPromptError).message).to.match(/^The database is busy: /);
      expect((mapped as SystemPromptError).details).to.deep.equal({reason: code});
    }
  });

  it('recognises the error by its number alone, and inside a TypeORM QueryFailedError', () => {
    expect(mysqlBusyCode({errno: 1213})).to.equal('ER_LOCK_DEADLOCK');
    expect(mysqlBusyCode({message: 'Query failed', driverError: serverError('ER_LOCK_WAIT_TIMEOUT', 1205)})).to.equal(
      'ER_LOCK_WAIT_TIMEOUT',
    );
  });

  it('leaves every other error as it is', () => {
    for (const error of [
      serverError('ER_DUP_ENTRY', 1062),
      serverError('ER_NO_SUCH_TABLE', 1146),
      new Error('plain'),
      undefined,
      'text',
    ]) {
      expect(mysqlBusyCode(error)).to.equal(undefined);
      expect(mapMysqlBusy(error)).to.equal(error);
    }
  });
});
