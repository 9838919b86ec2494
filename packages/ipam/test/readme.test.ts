import { describe } from 'vitest';
import { itRunsEveryReadmeExample } from '../../../test/packaging/readme-examples.js';

/** Every example of the README by heading, with what it must print. */
const EXPECTED: Record<string, string> = {
  Example: [
    '10.22.0.2/24 fd22::2/64 gateway 10.22.0.1',
    '10.22.0.77/24 fd22::3/64',
    "[ '10.22.0.2', 'fd22::2' ]",
  ].join('\n'),
  "The file store's lock": '10.23.0.2/24 flock',
  'The in-memory allocator: speed and memory': [
    '99999 948574n 10.1.134.162',
    'PagedOffsetSet 281474976710656n true true',
  ].join('\n'),
};

describe('packages/ipam/README.md', () => {
  itRunsEveryReadmeExample('packages/ipam', EXPECTED);
});
