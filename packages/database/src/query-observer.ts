import {tracing, type ModuleMetrics} from '@systemprompt/core';
import type {DataSource, QueryRunner} from 'typeorm';

type Query = (sql: string, parameters?: unknown[], structured?: boolean) => Promise<unknown>;

/** How long statements take, by operation (select, insert, begin...), and a span for each when tracing is on. */
export interface QueryObserver {
  run(sql: string, query: () => Promise<unknown>): Promise<unknown>;
}

const DURATION_BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];
const OPERATION = /^\s*([a-zA-Z]+)/;
// Statement text in a span is cut here: enough to recognise it, bounded for the trace store.
const STATEMENT_CHARS = 300;

export function createQueryObserver(metrics: ModuleMetrics, engine: string): QueryObserver {
  const duration = metrics.histogram({
    name: 'query_duration_seconds',
    help: 'Duration of database statements, by operation (select, insert, update, delete, begin, commit...).',
    labelNames: ['operation'],
    buckets: DURATION_BUCKETS,
  });
  const timed = async (operation: string, query: () => Promise<unknown>) => {
    const started = performance.now();
    try {
      return await query();
    } finally {
      duration.observe({operation}, (performance.now() - started) / 1000);
    }
  };
  return {
    run(sql, query) {
      const operation = (OPERATION.exec(sql)?.[1] ?? 'other').toLowerCase();
      const tracer = tracing();
      if (!tracer.enabled) return timed(operation, query);
      return tracer.span(
        `db ${operation}`,
        {
          kind: 'client',
          childOnly: true,
          attributes: {
            'db.system.name': engine,
            'db.operation.name': operation,
            'db.query.text': sql.length > STATEMENT_CHARS ? `${sql.slice(0, STATEMENT_CHARS)}…` : sql,
          },
        },
        () => timed(operation, query),
      );
    },
  };
}

const observed = new WeakSet<QueryRunner>();

function observeRunner(runner: QueryRunner, observer: QueryObserver): QueryRunner {
  if (observed.has(runner)) return runner;
  observed.add(runner);
  const query = runner.query.bind(runner) as Query;
  runner.query = ((sql: string, parameters?: unknown[], structured?: boolean) =>
    observer.run(sql, () => query(sql, parameters, structured))) as QueryRunner['query'];
  return runner;
}

/**
 * Observes every statement of the DataSource: SQLite's one query runner, or each MySQL/MariaDB runner
 * (each holds its own pooled connection) as it is made. Applied after the engine's own wrapping, so a
 * statement retried while the database is busy counts once, with its waits.
 */
export function observeQueries(dataSource: DataSource, observer: QueryObserver, engine: 'sqlite' | 'mysql'): void {
  if (engine === 'sqlite') {
    observeRunner(dataSource.createQueryRunner(), observer);
    return;
  }
  const create = dataSource.createQueryRunner.bind(dataSource);
  dataSource.createQueryRunner = (...args: Parameters<DataSource['createQueryRunner']>) =>
    observeRunner(create(...args), observer);
}
