import {invalidInput, type AccessProvider, type Actor} from '@systemprompt/core';
import type {ModuleDatabase} from '@systemprompt/database';
import {NoteEntity, type Note} from '../entities.js';

export interface Greeting {
  message: string;
}

/**
 * The business logic of __NAME__; commands call it, and so can other modules, HTTP routes and MCP
 * tools. Methods that touch data take the actor first and check its permission before anything else.
 */
export class __CLASS__Service {
  constructor(
    private readonly greeting: string,
    private readonly db?: ModuleDatabase,
    private readonly access?: () => Promise<AccessProvider>,
  ) {}

  hello(name: string): Greeting {
    const trimmed = name.trim();
    if (trimmed === '')
      throw invalidInput('A name is required', {code: 'NAME_REQUIRED', hint: 'Pass a name, e.g. "Ada".'});
    return {message: `${this.greeting}, ${trimmed}!`};
  }

  async add(actor: Actor, text: string): Promise<Note> {
    const access = await this.accessProvider();
    await access.authorize(actor, '__NAME__:write', '__NAME__.add');
    if (text.trim() === '') throw invalidInput('The note is empty', {code: 'NOTE_EMPTY'});
    const note = await this.database()
      .repository(NoteEntity)
      .save({text: text.trim(), createdAt: new Date().toISOString()});
    await access.record(actor, {
      action: '__NAME__.add',
      target: String(note.id),
      result: 'ok',
      permission: '__NAME__:write',
    });
    return note;
  }

  async list(actor: Actor): Promise<Note[]> {
    await (await this.accessProvider()).authorize(actor, '__NAME__:read', '__NAME__.list');
    return this.database()
      .repository(NoteEntity)
      .find({order: {id: 'ASC'}});
  }

  private accessProvider(): Promise<AccessProvider> {
    if (!this.access) throw new Error('__NAME__ has no access decision here');
    return this.access();
  }

  private database(): ModuleDatabase {
    if (!this.db) throw new Error('__NAME__ has no database here');
    return this.db;
  }
}
