import {EntitySchema} from '@systemprompt/database/schema';

export interface Note {
  id: number;
  text: string;
  createdAt: string;
}

/** The module's own table: its name starts with the module's name, so the module owns it. */
export const NoteEntity = new EntitySchema<Note>({
  name: '__CLASS__Note',
  tableName: '__SNAKE___notes',
  columns: {
    id: {type: 'integer', primary: true, generated: 'increment'},
    text: {type: 'varchar', length: 500},
    createdAt: {name: 'created_at', type: 'varchar', length: 32},
  },
});
