import {invalidInput} from '@systemprompt/core';
import type {ModuleDatabase} from '@systemprompt/database';
import {NoteEntity, type Note} from '../entities.js';

export interface Greeting {
  message: string;
}

/** The business logic of __NAME__; commands call it, and so can other modules. */
export class __CLASS__Service {
  constructor(
    private readonly greeting: string,
    private readonly db?: ModuleDatabase,
  ) {}

  hello(name: string): Greeting {
    const trimmed = name.trim();
    if (trimmed === '') throw invalidInput('A name is required', {code: 'NAME_REQUIRED', hint: 'Pass a name, e.g. "Ada".'});
    return {message: `${this.greeting}, ${trimmed}!`};
  }

  async add(text: string): Promise<Note> {
    if (text.trim() === '') throw invalidInput('The note is empty', {code: 'NOTE_EMPTY'});
    return this.database().repository(NoteEntity).save({text: text.trim(), createdAt: new Date().toISOString()});
  }

  async list(): Promise<Note[]> {
    return this.database().repository(NoteEntity).find({order: {id: 'ASC'}});
  }

  private database(): ModuleDatabase {
    if (!this.db) throw new Error('__NAME__ has no database here');
    return this.db;
  }
}
