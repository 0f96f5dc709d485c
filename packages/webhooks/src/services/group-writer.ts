import type {ModuleDatabase} from '@systemprompt/database';
import type {EntityManager} from '@systemprompt/database/schema';

interface Pending<T> {
  write: (manager: EntityManager) => Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/**
 * Writes that arrive while a transaction is being committed wait and share the next one: under load,
 * dozens of attempt outcomes commit together (one fsync on MySQL/MariaDB, one write lock on SQLite)
 * instead of one transaction each. Each write still gets its own answer; a failed transaction fails
 * every write in it (their jobs then run again).
 */
export class GroupWriter<T> {
  private pending: Array<Pending<T>> = [];
  private flushing = false;

  constructor(
    private readonly db: ModuleDatabase,
    private readonly most = 100,
  ) {}

  write(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({write: work, resolve, reject});
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.most);
      try {
        const results = await this.db.transaction(async (manager) => {
          const answers: T[] = [];
          for (const item of batch) answers.push(await item.write(manager));
          return answers;
        });
        batch.forEach((item, index) => item.resolve(results[index]!));
      } catch (error) {
        for (const item of batch) item.reject(error);
      }
    }
    this.flushing = false;
  }
}
