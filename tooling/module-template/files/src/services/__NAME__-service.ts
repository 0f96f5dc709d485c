import {invalidInput} from '@systemprompt/core';

export interface Greeting {
  message: string;
}

/** The business logic of __NAME__; commands call it, and so can other modules. */
export class __CLASS__Service {
  constructor(private readonly greeting: string) {}

  hello(name: string): Greeting {
    const trimmed = name.trim();
    if (trimmed === '') throw invalidInput('A name is required', {code: 'NAME_REQUIRED', hint: 'Pass a name, e.g. "Ada".'});
    return {message: `${this.greeting}, ${trimmed}!`};
  }
}
